import { describe, it } from 'vitest';
import { diagrams } from './diagrams.js';
import { marbles } from './helpers.js';

describe('the docs diagrams are true (the SVGs under docs/img are drawn from these)', () => {
  it.each(diagrams.map((d) => [d.name, d] as const))('%s', (_name, diagram) => {
    marbles((helpers) => {
      const inputs = diagram.inputs.map((line) => (line.kind === 'hot' ? helpers.hot(line.marble) : helpers.cold(line.marble)));
      helpers.expectObservable(diagram.build(inputs, helpers)).toBe(diagram.output, diagram.values);
      inputs.forEach((input, i) => helpers.expectSubscriptions(input.subscriptions).toBe(diagram.subscriptions[i] as string | string[]));
    });
  });
});
