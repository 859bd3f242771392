import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Node 20 cannot start a worker from a `.ts` file, so the tests and the benchmarks bundle a worker
 * module (with the package's worker entry, resolved through the tsconfig paths and the `node`
 * condition) into a plain `.mjs` file under .tmp/ first. `entry` is relative to the repository.
 */
export async function buildWorker(entry: string, platform: 'node' | 'browser' = 'node'): Promise<URL> {
  const outdir = `${root}.tmp/workers-${platform}`;
  mkdirSync(outdir, { recursive: true });
  const outfile = `${outdir}/${basename(entry).replace(/\.ts$/, '')}.mjs`;
  await build({ entryPoints: [`${root}${entry}`], bundle: true, platform, format: 'esm', outfile, logLevel: 'silent' });
  return pathToFileURL(outfile);
}
