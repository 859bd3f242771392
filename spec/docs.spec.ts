import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { diagrams } from '../marble-tests/diagrams.js';
import { imageDir, renderDiagram } from '../scripts/render-marbles.js';

describe('the docs', () => {
  it.each(diagrams.map((d) => [d.name, d] as const))('docs/img/%s.svg is drawn from the asserted diagram and is not stale', (name, diagram) => {
    const committed = readFileSync(`${imageDir}${name}.svg`, 'utf8');
    expect(committed, 'run `npm run docs` to redraw it').toBe(renderDiagram(diagram));
    expect(readFileSync(new URL(`../docs/${diagram.page}`, import.meta.url), 'utf8')).toContain(`(img/${name}.svg)`);
  });
});
