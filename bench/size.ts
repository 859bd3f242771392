// Bundle sizes of what users install: the packed tarball in a scratch project, bundled for the
// browser (minified, rxjs left out) by esbuild and by Rolldown (Vite's bundler), then gzipped.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rolldown } from 'rolldown';
import { packedProject } from '../scripts/packed.js';
import { record } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const project = `${root}.tmp/size-project`;

async function withEsbuild(code: string): Promise<number> {
  const result = await build({
    stdin: { contents: code, resolveDir: project, loader: 'js' },
    bundle: true,
    minify: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    external: ['rxjs', 'rxjs/*'],
    logLevel: 'silent',
    metafile: true,
  });
  fromPackage('esbuild', Object.keys(result.metafile.inputs));
  return gzipSync(result.outputFiles[0]!.contents).length;
}

/**
 * Every module of the bundle is the installed package's (or the entry): a bundler that reached this
 * checkout's src/ (its tsconfig.json maps 'rxjs-concurrency' there) would measure the wrong thing.
 */
function fromPackage(tool: string, modules: string[]): void {
  const strays = modules.filter((m) => !/^<stdin>$|entry\.mjs$|^\0rolldown\/runtime\.js$|node_modules\/rxjs-concurrency\/dist\//.test(m));
  if (strays.length) throw new Error(`size: ${tool} bundled modules from outside the packed package: ${strays.join(', ')}`);
}

async function withRolldown(code: string): Promise<number> {
  const entry = `${project}/entry.mjs`;
  writeFileSync(entry, code);
  const bundle = await rolldown({ input: entry, external: [/^rxjs(\/|$)/], platform: 'browser', logLevel: 'silent' });
  const { output } = await bundle.generate({ format: 'esm', minify: true });
  await bundle.close();
  fromPackage('rolldown', output[0].moduleIds);
  return gzipSync(output[0].code).length;
}

export const OPERATORS = [
  'raceFirst', 'mergeAsCompleted', 'gatherSettled', 'timeoutWith', 'Semaphore', 'Lock', 'lockedSection', 'semaphoreMap',
  'RateLimiter', 'rateLimitMap', 'onCancel', 'finalizeWith', 'fromAbortable', 'takeUntilAborted', 'fromWorker', 'createWorkerPool',
];

export async function bundleSize(): Promise<void> {
  packedProject(project, ['rxjs']);
  for (const name of OPERATORS) {
    const code = `import { ${name} } from 'rxjs-concurrency'; console.log(${name});`;
    const budget = name === 'fromWorker' || name === 'createWorkerPool' ? undefined : 1536;
    for (const [tool, size] of [['esbuild', withEsbuild], ['rolldown', withRolldown]] as const) {
      const bytes = await size(code);
      record({ group: 'size', name: `import { ${name} } from the packed package, ${tool} (min + gzip)`, ours: bytes, peer: budget ?? NaN, peerName: budget ? 'budget' : 'worker pool: no budget', unit: 'B', ratio: budget ? bytes / budget : NaN, target: budget ? '≤ 1 (1.5 KB)' : '—', met: budget ? bytes <= budget : undefined });
    }
  }
  const withoutPool = OPERATORS.filter((n) => n !== 'fromWorker' && n !== 'createWorkerPool');
  const names = [...withoutPool, 'cleanups', 'CleanupTracker', 'WorkerCrashedError'].join(', ');
  for (const [tool, size] of [['esbuild', withEsbuild], ['rolldown', withRolldown]] as const) {
    const mainBytes = await size(`import { ${names} } from 'rxjs-concurrency'; console.log(${names});`);
    record({ group: 'size', name: `the main entry without the worker pool, ${tool} (min + gzip)`, ours: mainBytes, peer: 6144, peerName: 'budget', unit: 'B', ratio: mainBytes / 6144, target: '≤ 1 (6 KB)', met: mainBytes <= 6144 });
    const allBytes = await size(`export * from 'rxjs-concurrency';`);
    record({ group: 'size', name: `the whole main entry, ${tool} (min + gzip)`, ours: allBytes, peer: NaN, peerName: '—', unit: 'B', ratio: NaN, target: '—', met: undefined });
  }
}
