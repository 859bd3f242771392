// The marble diagrams of the docs pages. Each one is asserted by diagrams.marble.ts and drawn as an
// SVG by `npm run docs` (scripts/render-marbles.ts), so a picture can never disagree with a test.
import { map, merge, type Observable } from 'rxjs';
import type { RunHelpers } from 'rxjs/testing';
import { KeyedRateLimiter, KeyedSemaphore, Lock, RateLimiter, gatherSettled, lockedSection, mergeAsCompleted, raceFirst, rateLimitMap, semaphoreMap, timeoutWith, type Settled } from '../src/index.js';

export interface Line {
  readonly label: string;
  /** A marble diagram in `TestScheduler.run` syntax: one character a frame. */
  readonly marble: string;
  /** `cold` lines start at frame `at` (their first character is that frame); `hot` ones at 0. */
  readonly kind: 'cold' | 'hot';
  readonly at?: number;
}

export interface Diagram {
  /** The SVG's file name under docs/img/ and the docs page it belongs to. */
  readonly name: string;
  readonly page: string;
  /** The source file whose JSDoc shows it as text (its diagrams fill its ```text blocks in order). */
  readonly source: string;
  readonly inputs: readonly Line[];
  /** The operator call, as printed between the inputs and the output. */
  readonly call: string;
  readonly output: string;
  readonly values?: Readonly<Record<string, string>>;
  /** Builds the output from the inputs (made from their marbles, in the same order). */
  build(inputs: Observable<string>[], helpers: RunHelpers): Observable<unknown>;
  /** The expected subscription frames of each input, as in `expectSubscriptions`. */
  readonly subscriptions: readonly (string | readonly string[])[];
}

const summary = (list: Settled<string>[]) => list.map((s) => (s.status === 'fulfilled' ? s.value : 'x')).join('');

export const diagrams: readonly Diagram[] = [
  {
    name: 'raceFirst',
    page: 'raceFirst.md',
    source: 'src/raceFirst.ts',
    inputs: [
      { label: 'a', marble: '-----a--b|', kind: 'cold' },
      { label: 'b', marble: '--x------y|', kind: 'cold' },
      { label: 'c', marble: '------z|', kind: 'cold' },
    ],
    call: 'raceFirst([a, b, c])',
    output: '--x------y|',
    build: (inputs) => raceFirst(inputs),
    subscriptions: ['^-!', '^---------!', '^-!'],
  },
  {
    name: 'raceFirst-stagger',
    page: 'raceFirst.md',
    source: 'src/raceFirst.ts',
    inputs: [
      { label: 'a', marble: '-#', kind: 'cold' },
      { label: 'b', marble: '--b|', kind: 'cold', at: 1 },
      { label: 'c', marble: 'c|', kind: 'cold', at: 4 },
    ],
    call: 'raceFirst([a, b, c], { stagger: 3 })',
    output: '---b|',
    build: (inputs) => raceFirst(inputs, { stagger: 3 }),
    subscriptions: ['^!', '-^--!', []],
  },
  {
    name: 'mergeAsCompleted',
    page: 'mergeAsCompleted.md',
    source: 'src/mergeAsCompleted.ts',
    inputs: [
      { label: 's0', marble: '----a|', kind: 'cold' },
      { label: 's1', marble: '-b|', kind: 'cold' },
      { label: 's2', marble: '--c|', kind: 'cold', at: 2 },
    ],
    call: 'mergeAsCompleted([s0, s1, s2], { concurrency: 2 }) — values shown',
    output: '--b--(ac|)',
    build: (inputs) => mergeAsCompleted(inputs, { concurrency: 2 }).pipe(map((item) => item.value)),
    subscriptions: ['^----!', '^-!', '--^--!'],
  },
  {
    name: 'gatherSettled',
    page: 'gatherSettled.md',
    source: 'src/gatherSettled.ts',
    inputs: [
      { label: 's0', marble: '--a---b|', kind: 'cold' },
      { label: 's1', marble: '---#', kind: 'cold' },
      { label: 's2', marble: '-----c|', kind: 'cold' },
    ],
    call: 'gatherSettled([s0, s1, s2]) — x: rejected',
    output: '-------(r|)',
    values: { r: 'bxc' },
    build: (inputs) => gatherSettled(inputs).pipe(map(summary)),
    subscriptions: ['^------!', '^--!', '^-----!'],
  },
  {
    name: 'timeoutWith',
    page: 'timeoutWith.md',
    source: 'src/timeoutWith.ts',
    inputs: [
      { label: 'source', marble: '--a--b--c--|', kind: 'cold' },
      { label: 'fallback', marble: '-yz|', kind: 'cold', at: 7 },
    ],
    call: 'timeoutWith(7, fallback)',
    output: '--a--b--yz|',
    build: ([source, fallback]) => source!.pipe(timeoutWith(7, fallback!)),
    subscriptions: ['^------!', '-------^--!'],
  },
  {
    name: 'semaphoreMap',
    page: 'semaphoreMap.md',
    source: 'src/semaphoreMap.ts',
    inputs: [
      { label: 'source', marble: 'ab-c---|', kind: 'hot' },
      { label: 'inner', marble: '---v|', kind: 'cold' },
    ],
    call: 'semaphoreMap(2, () => inner)',
    output: '---vv--v|',
    build: ([source, inner]) => source!.pipe(semaphoreMap(2, () => inner!)),
    subscriptions: ['^------!', ['^---!', '-^---!', '----^---!']],
  },
  {
    name: 'lockedSection',
    page: 'lockedSection.md',
    source: 'src/lockedSection.ts',
    inputs: [
      { label: 'source', marble: 'ab-----|', kind: 'hot' },
      { label: 'section', marble: '---s|', kind: 'cold' },
    ],
    call: 'lockedSection(lock, () => section)',
    output: '---s---s|',
    build: ([source, section]) => source!.pipe(lockedSection(new Lock(), () => section!)),
    subscriptions: ['^------!', ['^---!', '----^---!']],
  },
  {
    name: 'RateLimiter',
    page: 'RateLimiter.md',
    source: 'src/RateLimiter.ts',
    inputs: [
      { label: 'a', marble: 'a|', kind: 'cold' },
      { label: 'b', marble: 'b|', kind: 'cold' },
      { label: 'c', marble: 'c|', kind: 'cold', at: 5 },
    ],
    call: 'merge(limiter.section(a), limiter.section(b), limiter.section(c)), limit 2 per 5 frames',
    output: '(ab)-c|',
    build: (inputs) => {
      const limiter = new RateLimiter({ limit: 2, interval: 5 });
      return merge(...inputs.map((input) => limiter.section(input)));
    },
    subscriptions: ['^!', '^!', '-----^!'],
  },
  {
    name: 'KeyedSemaphore',
    page: 'KeyedSemaphore.md',
    source: 'src/KeyedSemaphore.ts',
    inputs: [
      { label: 'a1', marble: '-a|', kind: 'cold' },
      { label: 'a2', marble: '-b|', kind: 'cold', at: 2 },
      { label: 'a3', marble: '-c|', kind: 'cold', at: 6 },
      { label: 'x1', marble: '-x|', kind: 'cold', at: 4 },
    ],
    call: "keyed.section('a', a1), …('a', a2), …('a', a3), keyed.section('x', x1); permits 1",
    output: '-a-b-x-c|',
    build: (inputs) => {
      const keyed = new KeyedSemaphore<string>({ permits: 1 });
      const [a1, a2, a3, x1] = inputs;
      // key a queues three sections before key x queues one: x goes second, not last
      return merge(keyed.section('a', a1!), keyed.section('a', a2!), keyed.section('a', a3!), keyed.section('x', x1!));
    },
    subscriptions: ['^-!', '--^-!', '------^-!', '----^-!'],
  },
  {
    name: 'KeyedRateLimiter',
    page: 'KeyedSemaphore.md',
    source: 'src/KeyedRateLimiter.ts',
    inputs: [
      { label: 'a1', marble: 'a|', kind: 'cold' },
      { label: 'a2', marble: 'b|', kind: 'cold', at: 2 },
      { label: 'a3', marble: 'c|', kind: 'cold', at: 6 },
      { label: 'x1', marble: 'x|', kind: 'cold', at: 4 },
    ],
    call: "limiter.section('a', a1 … a3), limiter.section('x', x1); global 1 per 2 frames",
    output: 'a-b-x-c|',
    build: (inputs) => {
      const limiter = new KeyedRateLimiter<string>({ perKey: { limit: 10, interval: 2 }, global: { limit: 1, interval: 2 } });
      const [a1, a2, a3, x1] = inputs;
      // the global window binds: key x takes its turn after a2, not after every section of a
      return merge(limiter.section('a', a1!), limiter.section('a', a2!), limiter.section('a', a3!), limiter.section('x', x1!));
    },
    subscriptions: ['^!', '--^!', '------^!', '----^!'],
  },
  {
    name: 'rateLimitMap',
    page: 'RateLimiter.md',
    source: 'src/rateLimitMap.ts',
    inputs: [
      { label: 'source', marble: 'abcd----|', kind: 'hot' },
      { label: 'inner', marble: 'v|', kind: 'cold' },
    ],
    call: 'rateLimitMap({ limit: 2, interval: 4 }, () => inner)',
    output: 'vv--vv--|',
    build: ([source, inner]) => source!.pipe(rateLimitMap({ limit: 2, interval: 4 }, () => inner!)),
    subscriptions: ['^-------!', ['^!', '-^!', '----^!', '-----^!']],
  },
];
