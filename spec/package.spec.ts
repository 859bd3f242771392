// The published package as a registry would get it: `npm pack` from a checkout without dist/
// builds first (prepack), the tarball carries the docs the README links to, and the version, the
// CHANGELOG and the lock file agree.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packedProject } from '../scripts/packed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Record<string, unknown> & { version: string; files: string[] };
const project = `${root}.tmp/package-project`;
const installed = `${project}/node_modules/rxjs-concurrency`;

beforeAll(() => {
  packedProject(project, []);
}, 180_000);

describe('the package as published', () => {
  it('npm pack from a checkout without dist/ builds it first (prepack) and ships every entry point', () => {
    const fresh = `${root}.tmp/fresh-checkout`;
    rmSync(fresh, { recursive: true, force: true });
    mkdirSync(fresh, { recursive: true });
    for (const entry of ['src', 'scripts', 'docs', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsup.config.ts', 'README.md', 'CHANGELOG.md']) {
      cpSync(`${root}${entry}`, `${fresh}/${entry}`, { recursive: true, filter: (src) => !src.includes('/docs/api') });
    }
    symlinkSync(`${root}node_modules`, `${fresh}/node_modules`, 'dir');
    const out = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: fresh, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const files = (JSON.parse(out.slice(out.indexOf('['))) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const entry of ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/index.d.ts', 'dist/esm/redis/index.js', 'dist/cjs/bullmq/index.js', 'docs/redis.md', 'CHANGELOG.md']) expect(files).toContain(entry);
    expect(files.some((f) => f.startsWith('docs/api/'))).toBe(false); // the generated HTML stays out
  }, 120_000);

  it('every relative link of the shipped Markdown leads to a file in the package', () => {
    const pages = ['README.md', 'CHANGELOG.md', ...execFileSync('find', ['docs', '-name', '*.md'], { cwd: installed, encoding: 'utf8' }).trim().split('\n')];
    expect(pages.length).toBeGreaterThan(15);
    const dead: string[] = [];
    for (const page of pages) {
      for (const [, target] of readFileSync(join(installed, page), 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // http(s) and mailto links
        if (!existsSync(normalize(join(installed, dirname(page), target!)))) dead.push(`${page} → ${target}`);
      }
    }
    expect(dead).toEqual([]);
  });

  it('the version is the CHANGELOG’s newest, and the lock file is in step with package.json', () => {
    const newest = /^## (\d+\.\d+\.\d+)/m.exec(readFileSync(`${root}CHANGELOG.md`, 'utf8'))![1];
    expect(pkg.version.replace(/-.*$/, '')).toBe(newest);
    const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as { version: string; packages: Record<string, Record<string, unknown>> };
    expect(lock.version).toBe(pkg.version);
    const top = lock.packages['']!;
    for (const field of ['name', 'version', 'license', 'engines', 'dependencies', 'devDependencies', 'peerDependencies', 'peerDependenciesMeta', 'optionalDependencies']) {
      expect(top[field], `package-lock.json's ${field}: run npm install`).toEqual(pkg[field]);
    }
  });
});
