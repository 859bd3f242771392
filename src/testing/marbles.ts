import fc from 'fast-check';
import { checkInteger, checkOptions, typeError } from '../internal/core/validate.js';
import type { Observable } from 'rxjs';
import type { RunHelpers } from 'rxjs/testing';

/** An Observable made by `TestScheduler` that logs when each subscription started and ended. */
export type LoggedObservable<T> = Observable<T> & {
  readonly subscriptions: ReadonlyArray<{ readonly subscribedFrame: number; readonly unsubscribedFrame: number }>;
};

/**
 * An Observable described as a marble diagram, as the arbitraries generate it: replay it with
 * {@link fromMarble} under `TestScheduler.run`, or paste what it prints into a marble test.
 */
export interface MarbleSource<T = string> {
  /** `hot` sources run from frame 0 whoever listens; `cold` ones start on each subscription. */
  readonly kind: 'cold' | 'hot';
  /** The diagram: `-` an empty frame, a letter a value, `|` complete, `#` error. */
  readonly marble: string;
  /** The value of each letter. */
  readonly values: Readonly<Record<string, T>>;
  /** What `#` errors with. */
  readonly error: unknown;
}

/** Options of {@link marbleSource}. */
export interface MarbleSourceOptions<T> {
  /** Values to put on the diagram. Default: the letter itself. */
  readonly value?: fc.Arbitrary<T>;
  /** Most frames before the end. Default 8. */
  readonly maxFrames?: number;
  /** Fewest values on the diagram. Default 0. */
  readonly minValues?: number;
  /** How the diagram may end: `|`, `#` or not at all. Default all three. */
  readonly endings?: ReadonlyArray<'complete' | 'error' | 'never'>;
  /** Which kinds to generate. Default `['cold']`. */
  readonly kinds?: ReadonlyArray<'cold' | 'hot'>;
  /** What `#` errors with. Default the string `'error'`. */
  readonly error?: unknown;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const END = { complete: '|', error: '#', never: '' } as const;

/** Prints a source the way a marble test would create it, for counterexamples. */
export function showMarble<T>(source: MarbleSource<T>): string {
  const letters = Object.keys(source.values);
  const values = letters.length ? `, { ${letters.map((k) => `${k}: ${fc.stringify(source.values[k])}`).join(', ')} }` : '';
  const error = source.marble.includes('#') ? `${values ? '' : ', {}'}, ${fc.stringify(source.error)}` : '';
  return `${source.kind}('${source.marble}'${values}${error})`;
}

/**
 * A fast-check arbitrary of Observables as marble diagrams: values, timing, completion, error or
 * no end at all. They shrink toward shorter diagrams with fewer values, and print as
 * `cold('--a-b|', { a: 1, b: 2 })` in a counterexample.
 *
 * ```ts
 * fc.assert(fc.property(marbleSource({ value: fc.integer() }), (source) => {
 *   new TestScheduler(assertEqual).run((helpers) => {
 *     const source$ = fromMarble(helpers, source);
 *     // …
 *   });
 * }));
 * ```
 */
export function marbleSource<T = string>(options: MarbleSourceOptions<T> = {}): fc.Arbitrary<MarbleSource<T>> {
  const fn = 'marbleSource';
  checkOptions(fn, options);
  const maxFrames = checkInteger(fn, 'options.maxFrames', options.maxFrames ?? 8, 0);
  const minValues = checkInteger(fn, 'options.minValues', options.minValues ?? 0, 0, maxFrames);
  if (options.value !== undefined && typeof (options.value as { generate?: unknown } | null)?.generate !== 'function') typeError(fn, 'options.value', 'a fast-check Arbitrary', options.value);
  checkChoices(fn, 'options.endings', options.endings, ['complete', 'error', 'never']);
  checkChoices(fn, 'options.kinds', options.kinds, ['cold', 'hot']);
  const value: fc.Arbitrary<T | undefined> = options.value ?? (fc.constant(undefined) as fc.Arbitrary<T | undefined>);
  const endings = options.endings ?? (['complete', 'error', 'never'] as const);
  const kinds = options.kinds ?? (['cold'] as const);
  const frame = fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: value.map((v) => ({ v })), weight: 1 });
  return fc
    .record({
      frames: fc.array(frame, { maxLength: maxFrames }),
      ending: fc.constantFrom(...endings),
      kind: fc.constantFrom(...kinds),
    })
    .filter(({ frames }) => frames.filter((f) => f !== null).length >= minValues)
    .map(({ frames, ending, kind }) => {
      const values: Record<string, T> = {};
      let marble = '';
      let n = 0;
      for (const f of frames) {
        if (f === null) {
          marble += '-';
          continue;
        }
        const letter = LETTERS[n++ % LETTERS.length]!;
        values[letter] = (options.value ? f.v : letter) as T;
        marble += letter;
      }
      const source: MarbleSource<T> = { kind, marble: marble + END[ending], values, error: options.error ?? 'error' };
      return Object.assign(source, { [fc.toStringMethod]: () => showMarble(source) });
    });
}

/** Makes the Observable that `source` describes, with its `subscriptions` log. */
export function fromMarble<T>(
  helpers: Pick<RunHelpers, 'cold' | 'hot'>,
  source: MarbleSource<T>,
): LoggedObservable<T> {
  if (typeof helpers?.cold !== 'function' || typeof helpers.hot !== 'function') typeError('fromMarble', 'helpers', "TestScheduler.run's helpers", helpers);
  if (typeof source?.marble !== 'string') typeError('fromMarble', 'source', 'a MarbleSource', source);
  return source.kind === 'hot'
    ? helpers.hot<T>(source.marble, source.values as Record<string, T>, source.error)
    : helpers.cold<T>(source.marble, source.values as Record<string, T>, source.error);
}


/** A non-empty list drawn from `allowed`, when given. */
export function checkChoices(fn: string, param: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => allowed.includes(v as string))) {
    typeError(fn, param, `a non-empty array of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
}
