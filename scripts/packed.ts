// The package as a user installs it: `npm run build`, `npm pack`, and the tarball unpacked into
// node_modules/rxjs-concurrency of a scratch project. The consumer checks, the bundler builds and
// the size benchmark all measure this, never src/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packDir = `${root}.tmp/pack`;
const lock = `${root}.tmp/pack.lock`;

const newest = (path: string): number => {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
};

/** The tarball if one newer than every input of the build exists. */
function freshTarball(): string | undefined {
  if (!existsSync(packDir)) return undefined;
  const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
  if (!tarball) return undefined;
  const inputs = ['src', 'package.json', 'tsup.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'scripts/finish-build.ts', 'README.md'];
  const built = statSync(join(packDir, tarball)).mtimeMs;
  return inputs.every((input) => newest(join(root, input)) < built) ? join(packDir, tarball) : undefined;
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Builds and packs this checkout once (test files run in parallel: one builds under a lock while
 * the others wait, and a tarball newer than the sources is reused), then installs it into
 * `project` (made afresh); `links` are dependencies linked from this checkout's node_modules (no
 * network), or from the node_modules folder `from` (a toolchain's, see scripts/toolchain.ts).
 */
export function packedProject(project: string, links: readonly string[], from = `${root}node_modules`): void {
  let tarball = freshTarball();
  if (!tarball) {
    for (let waited = 0; ; waited += 100) {
      try {
        mkdirSync(lock);
        break;
      } catch {
        if (waited > 300_000) throw new Error(`packedProject: ${lock} has been held for 5 minutes`);
        pause(100);
      }
    }
    try {
      tarball = freshTarball();
      if (!tarball) {
        execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
        rmSync(packDir, { recursive: true, force: true });
        mkdirSync(packDir, { recursive: true });
        execFileSync('npm', ['pack', '--pack-destination', packDir, '--ignore-scripts', '--silent'], { cwd: root, stdio: 'pipe' });
        tarball = freshTarball()!;
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  rmSync(project, { recursive: true, force: true });
  mkdirSync(`${project}/node_modules/rxjs-concurrency`, { recursive: true });
  // A package.json and a tsconfig.json of the project's own, as a user's project has. Without them
  // the nearest ones are this checkout's: its package.json is named 'rxjs-concurrency', so a
  // resolver takes the import as a self-reference to this checkout's dist/ before it looks in
  // node_modules, and its tsconfig.json maps 'rxjs-concurrency' to src/ (`paths`, which esbuild
  // reads). A caller may write its own over them.
  writeFileSync(`${project}/package.json`, `${JSON.stringify({ name: 'scratch-project', private: true })}\n`);
  writeFileSync(`${project}/tsconfig.json`, '{}\n');
  execFileSync('tar', ['-xzf', tarball, '-C', `${project}/node_modules/rxjs-concurrency`, '--strip-components=1']);
  for (const dep of links) {
    mkdirSync(dirname(`${project}/node_modules/${dep}`), { recursive: true });
    symlinkSync(`${from}/${dep}`, `${project}/node_modules/${dep}`, 'dir');
  }
}
