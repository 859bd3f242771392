// The runtimes the conformance suite runs on, each from the npm registry as a package that carries
// its binary (no postinstall download): Node 22, 24 and 26 (`node-<os>-<arch>`), Bun
// (`@oven/bun-<os>-<arch>`) and Deno (`@deno/<os>-<arch>-glibc`). Installed when missing into a
// cache outside the checkout, so every run (and every clone) after the first reuses them:
//   tsx scripts/runtimes.ts [name…]        installs what is missing, prints `name version path`
//   import { ensureRuntime } from './runtimes.js'   a runtime, installed when missing
// RXC_RUNTIMES names another cache folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cache = process.env.RXC_RUNTIMES ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rxjs-concurrency', 'runtimes');
const os = process.platform;
const cpu = process.arch === 'x64' ? 'x64' : process.arch === 'arm64' ? 'arm64' : undefined;

export interface Runtime {
  readonly name: string;
  readonly label: string;
  /** the npm package that carries the binary, and its version */
  readonly pkg: string;
  readonly version: string;
  /** where the binary lies inside the package */
  readonly bin: string;
  /** what goes before a script's path on the command line */
  readonly args: readonly string[];
  readonly path: string;
}

/** name → the package, its version, where its binary lies inside it, and how a script runs on it. */
const TABLE: Omit<Runtime, 'path'>[] = [
  { name: 'node22', label: 'Node 22', pkg: `node-${os}-${cpu}`, version: '22.22.3', bin: 'bin/node', args: [] },
  { name: 'node24', label: 'Node 24', pkg: `node-${os}-${cpu}`, version: '24.22.3', bin: 'bin/node', args: [] },
  { name: 'node26', label: 'Node 26', pkg: `node-${os}-${cpu}`, version: '26.12.1', bin: 'bin/node', args: [] },
  { name: 'bun', label: 'Bun 1.4', pkg: `@oven/bun-${os}-${cpu === 'arm64' ? 'aarch64' : cpu}`, version: '1.4.5', bin: 'bin/bun', args: [] },
  // Deno reads the project's package.json and node_modules (npm's layout) by itself
  { name: 'deno', label: 'Deno 2.9', pkg: `@deno/${os}-${cpu}-glibc`, version: '2.9.6', bin: 'deno', args: ['run', '-A'] },
];

export const runtimes: readonly Runtime[] = TABLE.map((r) => ({ ...r, path: join(cache, `${r.name}-${r.version}`, 'node_modules', r.pkg, r.bin) }));

/** The runtime named `name`, installed if it is missing. */
export function ensureRuntime(name: string): Runtime {
  const runtime = runtimes.find((r) => r.name === name);
  if (!runtime) throw new Error(`runtimes: no runtime named ${name} (${runtimes.map((r) => r.name).join(', ')})`);
  if (existsSync(runtime.path)) return runtime;
  if (!cpu || (os !== 'linux' && runtime.name === 'deno')) throw new Error(`runtimes: no ${runtime.label} package for ${os}-${process.arch}`);
  const dir = join(cache, `${runtime.name}-${runtime.version}`);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  console.error(`runtimes: installing ${runtime.pkg}@${runtime.version} (${runtime.label}) into ${dir}`);
  execFileSync('npm', ['install', '--prefix', partial, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `${runtime.pkg}@${runtime.version}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir); // whole or not at all: a broken install is never taken for a runtime
  if (!existsSync(runtime.path)) throw new Error(`runtimes: ${runtime.pkg}@${runtime.version} has no ${runtime.bin}`);
  return runtime;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const names = process.argv.slice(2);
  for (const runtime of names.length > 0 ? names.map((n) => ensureRuntime(n)) : runtimes.map((r) => ensureRuntime(r.name))) {
    const version = execFileSync(runtime.path, ['--version'], { encoding: 'utf8' }).trim().split('\n')[0];
    console.log(`${runtime.name} ${version} ${runtime.path}`);
  }
}
