// The package as a user installs it: `npm run build`, `npm pack`, and the tarball unpacked into
// node_modules/rxjs-concurrency of a scratch project. The consumer checks and the size benchmark
// both measure this, never src/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds and packs this checkout, and installs the tarball into `project` (made afresh); `links`
 * are dependencies linked from this checkout's node_modules (no network).
 */
export function packedProject(project: string, links: readonly string[]): void {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  const packDir = `${root}.tmp/pack`;
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  execFileSync('npm', ['pack', '--pack-destination', packDir, '--ignore-scripts', '--silent'], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'))!;
  rmSync(project, { recursive: true, force: true });
  mkdirSync(`${project}/node_modules/rxjs-concurrency`, { recursive: true });
  execFileSync('tar', ['-xzf', `${packDir}/${tarball}`, '-C', `${project}/node_modules/rxjs-concurrency`, '--strip-components=1']);
  for (const dep of links) {
    mkdirSync(dirname(`${project}/node_modules/${dep}`), { recursive: true });
    symlinkSync(`${root}node_modules/${dep}`, `${project}/node_modules/${dep}`, 'dir');
  }
}
