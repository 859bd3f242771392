import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Node 20 cannot start a worker from a `.ts` file, so the tests bundle the fixture worker module
 * (and the package's worker entry, resolved through the tsconfig paths and the `node` condition)
 * into a plain `.mjs` file first.
 */
export async function buildWorker(name: string, platform: 'node' | 'browser' = 'node'): Promise<URL> {
  const outdir = `${root}.tmp/workers-${platform}`;
  mkdirSync(outdir, { recursive: true });
  const outfile = `${outdir}/${name}.mjs`;
  await build({
    entryPoints: [`${root}spec/fixtures/${name}.ts`],
    bundle: true,
    platform,
    format: 'esm',
    outfile,
    logLevel: 'silent',
  });
  return pathToFileURL(outfile);
}
