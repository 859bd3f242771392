import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagrams } from '../marble-tests/diagrams.js';
import { imageDir, renderDiagram, textDiagramFiles } from '../scripts/render-marbles.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the docs', () => {
  it.each(diagrams.map((d) => [d.name, d] as const))('docs/img/%s.svg is drawn from the asserted diagram and is not stale', (name, diagram) => {
    const committed = readFileSync(`${imageDir}${name}.svg`, 'utf8');
    expect(committed, 'run `npm run docs` to redraw it').toBe(renderDiagram(diagram));
    expect(readFileSync(new URL(`../docs/${diagram.page}`, import.meta.url), 'utf8')).toContain(`(img/${name}.svg)`);
  });
});

describe('the text diagrams of JSDoc and docs pages', () => {
  it.each(textDiagramFiles().map((f) => [f.file, f.expected] as const))('%s shows the asserted diagrams', (file, expected) => {
    expect(readFileSync(`${root}${file}`, 'utf8'), 'run `npm run docs` to rewrite its ```text blocks').toBe(expected);
  });
});

describe('code blocks of the docs', () => {
  // a ```ts block that starts with `// file: <path>` is an excerpt of that file, which the
  // type check compiles: the block cannot drift from code that compiles
  const pages = ['README.md', ...readdirSync(`${root}docs`, { recursive: true }).map(String).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const excerpts = pages.flatMap((page) =>
    [...readFileSync(`${root}${page}`, 'utf8').matchAll(/```ts\n\/\/ file: (\S+)\n([\s\S]*?)```/g)].map((m) => [page, m[1]!, m[2]!] as const),
  );
  it('there are excerpts to check', () => {
    expect(excerpts.length).toBeGreaterThan(0);
  });
  it.each(excerpts)('%s: the block from %s is an excerpt of that file', (_page, file, body) => {
    expect(readFileSync(`${root}${file}`, 'utf8')).toContain(`// file: ${file}\n${body}`);
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
