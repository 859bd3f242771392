import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagrams } from '../marble-tests/diagrams.js';
import { imageDir, renderDiagram, textDiagramFiles } from '../scripts/render-marbles.js';
import { staleObservability } from '../scripts/render-metrics.js';
import { blocks, pages, regions, type Block } from '../scripts/snippets.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the docs', () => {
  it.each(diagrams.map((d) => [d.name, d] as const))('docs/img/%s.svg is drawn from the asserted diagram and is not stale', (name, diagram) => {
    const committed = readFileSync(`${imageDir}${name}.svg`, 'utf8');
    expect(committed, 'run `npm run docs` to redraw it').toBe(renderDiagram(diagram));
    expect(readFileSync(new URL(`../docs/${diagram.page}`, import.meta.url), 'utf8')).toContain(`(img/${name}.svg)`);
  });
});

describe('the observability pictures (scripts/render-metrics.ts)', () => {
  it('are drawn from a run of the real SDK in virtual time, and none is stale', async () => {
    expect(await staleObservability(), 'run `npm run docs` to redraw them').toEqual([]);
    const page = readFileSync(new URL('../docs/observability.md', import.meta.url), 'utf8');
    for (const file of ['observability-permits.svg', 'observability-waiting.svg', 'observability-wait.svg']) expect(page).toContain(`(img/${file})`);
  });
});

describe('the text diagrams of JSDoc and docs pages', () => {
  it.each(textDiagramFiles().map((f) => [f.file, f.expected] as const))('%s shows the asserted diagrams', (file, expected) => {
    expect(readFileSync(`${root}${file}`, 'utf8'), 'run `npm run docs` to rewrite its ```text blocks').toBe(expected);
  });
});

describe('code blocks of the docs (scripts/snippets.ts): every one runs as shown, or says why it cannot', () => {
  const all = pages().flatMap((page) => blocks(page));
  const where = (b: Block) => `${b.page}:${b.line}`;

  it('every ts/js block is an excerpt of a file under examples/ or a fragment with its reason', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((b) => b.kind === 'none').map(where)).toEqual([]);
    expect(all.filter((b) => b.kind === 'fragment' && b.ref.length < 12).map(where)).toEqual([]);
  });

  it.each(all.filter((b) => b.kind === 'file' || b.kind === 'excerpt').map((b) => [where(b), b] as const))('%s is an excerpt of a file under examples/', (_where, block) => {
    expect(block.ref).toMatch(/^examples\//);
    const file = readFileSync(`${root}${block.ref}`, 'utf8');
    // the old form quotes its own `// file:` line; a marked excerpt is the text between `// docs:` lines
    if (block.kind === 'file') expect(file).toContain(block.body);
    else expect(regions(block.ref), 'run `npx tsx scripts/snippets.ts --write`').toContain(block.body);
  });
});

describe('the install lines name every package an entry point needs', () => {
  it.each([
    ['README.md', ['rxjs-concurrency', 'rxjs']],
    ['docs/redis.md', ['rxjs-concurrency', 'rxjs', 'ioredis']],
    // BullMQ 6 loads ioredis as an optional peer of its own: without it the queue pool throws
    ['docs/bullmq.md', ['rxjs-concurrency', 'rxjs', 'bullmq', 'ioredis']],
  ])('%s', (page, packages) => {
    const lines = [...readFileSync(`${root}${page}`, 'utf8').matchAll(/^npm install (.+)$/gm)].map((m) => m[1]!.split(/\s+/));
    expect(lines.some((names) => packages.every((p) => names.includes(p)))).toBe(true);
  });
});

describe('the API reference', () => {
  it('`npm run docs` regenerates docs/api with no diff (TypeDoc, warnings are errors)', () => {
    const out = `${root}.tmp/api-check`;
    rmSync(out, { recursive: true, force: true });
    const result = spawnSync(process.execPath, [`${root}node_modules/typedoc/bin/typedoc`, '--out', out], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const list = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => `${e.parentPath ?? e.path}/${e.name}`.slice(dir.length)).sort();
    const committed = list(`${root}docs/api`);
    expect(list(out)).toEqual(committed);
    for (const file of committed) expect(readFileSync(`${out}${file}`, 'utf8'), `docs/api${file} is stale: run npm run docs`).toBe(readFileSync(`${root}docs/api${file}`, 'utf8'));
  });
});
