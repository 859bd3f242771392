// Toolchains that cannot share this checkout's node_modules (Angular 22 wants TypeScript 6.0 and
// Node ≥ 22, while the root keeps Angular 21 and TypeScript 5.9 for the Angular 21 check): each is
// a package.json and package-lock.json under scripts/toolchains/<name>/, installed by `npm ci` when
// missing into a cache outside the checkout, in a folder named after the lock's hash, so a changed
// lock installs afresh and every run after the first reuses it:
//   tsx scripts/toolchain.ts angular22     installs it when missing, prints its folder
// RXC_TOOLCHAINS names another cache folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('toolchains/', import.meta.url));
const cache = process.env.RXC_TOOLCHAINS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rxjs-concurrency', 'toolchains');

/** The folder of toolchain `name` (its node_modules inside), installed if it is missing. */
export function ensureToolchain(name: string): string {
  const source = join(here, name);
  if (!existsSync(join(source, 'package-lock.json'))) throw new Error(`toolchain: no scripts/toolchains/${name}/package-lock.json`);
  const hash = createHash('sha256').update(readFileSync(join(source, 'package-lock.json'))).digest('hex').slice(0, 12);
  const dir = join(cache, `${name}-${hash}`);
  if (existsSync(join(dir, 'node_modules', '.package-lock.json'))) return dir;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(source, file), join(partial, file));
  console.error(`toolchain: installing ${name} into ${dir}`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error', '--engine-strict=false'], { cwd: partial, stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir); // whole or not at all
  return dir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const name of process.argv.slice(2)) console.log(ensureToolchain(name));
}
