// Consumer checks against the packed tarball: the package as a user installs it.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';
import { packedProject } from '../scripts/packed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const project = `${root}.tmp/consumer-project`;
const run = (command: string, args: string[], cwd = project) => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
};

beforeAll(() => {
  packedProject(project, ['rxjs', 'fast-check', 'vitest', 'typescript', '@types/node', 'bullmq', 'ioredis', '@opentelemetry/api']);
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

  it('Semaphore, Lock, RateLimiter and their operators work from the build, ESM and CommonJS (their shared members are renamed there)', () => {
    const { code, out } = run(process.execPath, ['sections.mjs']);
    expect(out).toContain('sections ok esm cjs');
    expect(code).toBe(0);
  });

  it('a downstream node:test suite property-tests its own operator', () => {
    const { code, out } = run(process.execPath, ['--test', '--test-reporter=tap', 'node-test.test.mjs']);
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

  it('rxjs-concurrency/testing/pool works in a project without fast-check', () => {
    // outside this checkout, where no parent node_modules can lend it fast-check
    const bare = `${tmpdir()}/rxjs-concurrency-no-fast-check`;
    rmSync(bare, { recursive: true, force: true });
    mkdirSync(`${bare}/node_modules`, { recursive: true });
    cpSync(`${project}/node_modules/rxjs-concurrency`, `${bare}/node_modules/rxjs-concurrency`, { recursive: true });
    symlinkSync(`${root}node_modules/rxjs`, `${bare}/node_modules/rxjs`, 'dir');
    writeFileSync(`${bare}/package.json`, JSON.stringify({ name: 'bare', private: true, type: 'module' }));
    writeFileSync(
      `${bare}/pool.mjs`,
      "import { inProcessPool } from 'rxjs-concurrency/testing/pool';\nimport { fromWorker } from 'rxjs-concurrency';\nimport { lastValueFrom } from 'rxjs';\n" +
        "const pool = inProcessPool({ double: (n) => n * 2 });\nconsole.log('pool', await lastValueFrom(fromWorker(pool, 'double', 21)));\n",
    );
    writeFileSync(`${bare}/testing.mjs`, "await import('rxjs-concurrency/testing');\n");
    const pool = run(process.execPath, ['pool.mjs'], bare);
    expect(pool.out).toContain('pool 42');
    expect(pool.code).toBe(0);
    // the full testing entry does need fast-check: the check above is not vacuous
    const testing = run(process.execPath, ['testing.mjs'], bare);
    expect(testing.out).toMatch(/fast-check/);
    expect(testing.code).not.toBe(0);
  });

  it('each entry point loads from the package’s own folder, not only from node_modules (no module imports the package by name)', () => {
    // the package unpacked where no node_modules/rxjs-concurrency lies above it, as in its own checkout
    const own = `${tmpdir()}/rxjs-concurrency-own-folder`;
    rmSync(own, { recursive: true, force: true });
    cpSync(`${project}/node_modules/rxjs-concurrency`, own, { recursive: true });
    mkdirSync(`${own}/node_modules`, { recursive: true });
    for (const dep of ['rxjs', 'ioredis', 'bullmq', 'fast-check']) symlinkSync(`${root}node_modules/${dep}`, `${own}/node_modules/${dep}`, 'dir');
    const entries = ['index', 'worker/index', 'node/index', 'otel/index', 'testing/index', 'redis/index', 'bullmq/index'];
    const cjs = run(process.execPath, ['-e', `for (const e of ${JSON.stringify(entries)}) require('./dist/cjs/' + e + '.js'); console.log('cjs loaded')`], own);
    expect(cjs.out).toContain('cjs loaded');
    const esm = run(process.execPath, ['--input-type=module', '-e', `for (const e of ${JSON.stringify(entries)}) await import('./dist/esm/' + e + '.js'); console.log('esm loaded')`], own);
    expect(esm.out).toContain('esm loaded');
  });

  it('the shipped declarations hold no `any` and no internal module of the worker adapters', () => {
    const declarations = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? declarations(`${dir}/${e.name}`) : e.name.endsWith('.d.ts') ? [`${dir}/${e.name}`] : []));
    const shipped = declarations(`${project}/node_modules/rxjs-concurrency/dist`);
    expect(shipped.length).toBeGreaterThan(20);
    expect(shipped.filter((f) => /worker\/port(\.node)?\.d\.ts$/.test(f))).toEqual([]);
    const anys: string[] = [];
    for (const file of shipped) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const walk = (node: ts.Node): void => {
        if (node.kind === ts.SyntaxKind.AnyKeyword) anys.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
        ts.forEachChild(node, walk);
      };
      walk(source);
    }
    expect(anys).toEqual([]);
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
