// Consumer checks against the packed tarball: the package as a user installs it.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const project = `${root}.tmp/consumer-project`;
const run = (command: string, args: string[], cwd = project) => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
};

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  const packDir = `${root}.tmp/pack`;
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  execFileSync('npm', ['pack', '--pack-destination', packDir, '--ignore-scripts', '--silent'], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'))!;
  rmSync(project, { recursive: true, force: true });
  mkdirSync(`${project}/node_modules/rxjs-concurrency`, { recursive: true });
  execFileSync('tar', ['-xzf', `${packDir}/${tarball}`, '-C', `${project}/node_modules/rxjs-concurrency`, '--strip-components=1']);
  // the consumer's other dependencies: this checkout's copies, linked (no network)
  mkdirSync(`${project}/node_modules/@types`, { recursive: true });
  for (const dep of ['rxjs', 'fast-check', 'vitest', 'typescript', '@types/node']) {
    symlinkSync(`${root}node_modules/${dep}`, `${project}/node_modules/${dep}`, 'dir');
  }
  cpSync(`${root}examples/consumer`, project, { recursive: true });
  writeFileSync(`${project}/package.json`, JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(`${project}/vitest.config.mjs`, "export default { test: { include: ['vitest.test.mjs'] } };\n");
}, 180_000);

describe('the packed package, installed in a scratch project', () => {
  it('ESM import of every entry point works (and an inline worker runs)', () => {
    const { code, out } = run(process.execPath, ['entries.mjs']);
    expect(out).toContain('esm ok 1 42');
    expect(code).toBe(0);
  });

  it('CommonJS require of every entry point works', () => {
    const { code, out } = run(process.execPath, ['entries.cjs']);
    expect(out).toContain('cjs ok 1');
    expect(code).toBe(0);
  });

  it('a downstream node:test suite property-tests its own operator', () => {
    const { code, out } = run(process.execPath, ['--test', 'node-test.test.mjs']);
    expect(out).toMatch(/# pass 2/);
    expect(code).toBe(0);
  });

  it('a downstream vitest suite property-tests its own operator', () => {
    const { code, out } = run(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', '--root', project]);
    expect(out).toMatch(/2 passed/);
    expect(code).toBe(0);
  });

  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ])('a consumer type-checks with moduleResolution %s', (_name, resolution) => {
    writeFileSync(
      `${project}/tsconfig.json`,
      JSON.stringify({ compilerOptions: { ...resolution, target: 'es2022', strict: true, noEmit: true, types: ['node'], lib: ['es2022', 'dom'] }, files: ['types.ts'] }),
    );
    const { code, out } = run(process.execPath, [`${project}/node_modules/typescript/bin/tsc`, '-p', project]);
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  it('a browser bundle of the main entry contains no Node built-in', async () => {
    writeFileSync(`${project}/app.mjs`, "import { raceFirst, createWorkerPool } from 'rxjs-concurrency';\nconsole.log(raceFirst, createWorkerPool);\n");
    const result = await build({ entryPoints: [`${project}/app.mjs`], bundle: true, write: false, platform: 'browser', format: 'esm', external: ['rxjs'], logLevel: 'silent' });
    const code = result.outputFiles[0]!.text;
    expect(code).toContain('new Worker(');
    expect(code).not.toMatch(/["'`](node:)?(worker_threads|os|process)["'`]/);
    expect(code).not.toMatch(/\bprocess\./);
  });

  it('publint reports no problem', () => {
    const { code, out } = run(process.execPath, [`${root}node_modules/publint/src/cli.js`], root);
    expect(out).toContain('All good!');
    expect(code).toBe(0);
  });

  it('are-the-types-wrong (node16 profile) reports no problem for any entry point', () => {
    const { code, out } = run(process.execPath, [`${root}node_modules/@arethetypeswrong/cli/dist/index.js`, '--pack', '.', '--profile', 'node16', '--format', 'table-flipped'], root);
    expect(out).not.toMatch(/❌|⚠️|Masquerading|FalseCJS|FalseESM|CJSResolvesToESM|NoResolution.*node16/);
    expect(code).toBe(0);
  });
});
