import fc from 'fast-check';
import { Observable, concatMap, exhaustMap, mergeMap, repeat, retry, switchMap, take, takeUntil, type Observer, type OperatorFunction, type Subscription, type Unsubscribable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { CallbackSubscriber } from '../internal/core/subscribers.js';
import { checkFunction, checkInteger, checkOptions, typeError } from '../internal/core/validate.js';
import { checkChoices, fromMarble, marbleSource, showMarble, type MarbleSource } from './marbles.js';

/** What `makeOperator` receives: inner Observables for higher-order operators. */
export interface ContractContext<T = string> {
  /**
   * An inner Observable for the `index`-th value, made from the generated inner diagrams. Its
   * subscriptions are checked like the source's: use it as the project of `mergeMap` & co.
   */
  inner(value: T, index: number): Observable<T>;
}

/** Options of {@link checkOperatorContract}; `T` is the type of the generated values. */
export interface ContractOptions<T = string> {
  /**
   * The values the generated sources (and inners) carry: a fast-check arbitrary. Default: strings,
   * each value the letter of its frame (`'a'`, `'b'`, …). Give one when the operator under test is
   * typed for other values: `{ values: fc.integer() }` for an `OperatorFunction<number, …>`.
   */
  readonly values?: fc.Arbitrary<T>;
  /** Generated cases. Default 200. */
  readonly numRuns?: number;
  /** Replays a failure: the seed from its message. */
  readonly seed?: number;
  /** Replays a failure: the path from its message. */
  readonly path?: string;
  /** Most frames in a generated diagram. Default 8. */
  readonly maxFrames?: number;
  /** Kinds of source. Default both `'cold'` and `'hot'`. */
  readonly kinds?: ReadonlyArray<'cold' | 'hot'>;
  /** The operator documents that it handles upstream errors, so they need not reach the output. */
  readonly handlesErrors?: boolean;
  /**
   * The compositions to check the operator in, besides alone. Default: all of
   * {@link CONTRACT_COMPOSITIONS}. Narrow it for an operator that cannot work in one (an operator
   * that emits only when its source completes never ends over an endless synchronous source).
   */
  readonly compositions?: ReadonlyArray<ContractComposition>;
}

/**
 * How `checkOperatorContract` composes the operator under test (`op`), as apps do:
 * - `'alone'`: `source.pipe(op)`;
 * - `'concatMap'`, `'switchMap'`, `'exhaustMap'`, `'mergeMap(1)'`: `outer.pipe(concatMap(() => source.pipe(op)))`
 *   and so on, with a generated `outer` diagram;
 * - `'repeat'`: `source.pipe(op, repeat(2))`; `'retry'`: `source.pipe(op, retry(1))`;
 * - `'take(1)'`: `source.pipe(op, take(1))`; `'takeUntil'`: `source.pipe(op, takeUntil(outer))`;
 * - `'resubscribe'`: a subscriber that subscribes the same Observable again from its own `complete`
 *   or `error` callback, once;
 * - `'synchronous'`: the source's values and ending delivered synchronously on subscription;
 * - `'endless'`: an endless synchronous source (inners synchronous too) with `take(1)` downstream: the
 *   operator must stop it. A pull counter turns a hang into a fast counterexample.
 */
export type ContractComposition =
  | 'alone'
  | 'concatMap'
  | 'switchMap'
  | 'exhaustMap'
  | 'mergeMap(1)'
  | 'repeat'
  | 'retry'
  | 'take(1)'
  | 'takeUntil'
  | 'resubscribe'
  | 'synchronous'
  | 'endless';

/** Every composition `checkOperatorContract` knows, in the order it lists them. */
export const CONTRACT_COMPOSITIONS: readonly ContractComposition[] = [
  'alone',
  'concatMap',
  'switchMap',
  'exhaustMap',
  'mergeMap(1)',
  'repeat',
  'retry',
  'take(1)',
  'takeUntil',
  'resubscribe',
  'synchronous',
  'endless',
];

/** How many values an endless synchronous source may give before the check calls it a hang. */
const ENDLESS_LIMIT = 10_000;

interface Record {
  readonly kind: string;
  readonly start: number;
  end: number | undefined;
  teardowns: number;
  handleCalls: number;
  errored: { at: number; error: unknown } | undefined;
}

class Violation extends Error {
  constructor(
    readonly rule: string,
    readonly detail: string,
  ) {
    super(`${rule}: ${detail}`);
  }
}

/** `fill`: a value of the `values` option for the sources that make their own (endless, synchronous), or undefined for letters. */
type Case = [source: MarbleSource, inners: MarbleSource[], unsubscribeAt: number | undefined, composition: ContractComposition, outer: MarbleSource, fill: unknown];

function runCase(makeOperator: (context: ContractContext) => OperatorFunction<string, unknown>, options: ContractOptions<unknown>, [source, inners, unsubscribeAt, composition, outer, fill]: Case): void {
  const records: Record[] = [];
  const notes: { frame: number; kind: 'N' | 'E' | 'C'; value?: unknown; late: boolean }[] = [];
  const scheduler = new TestScheduler(() => undefined);
  let output: Unsubscribable | undefined;
  let unsubscribed = false;
  let problem: Violation | undefined;
  const fail = (rule: string, detail: string) => {
    problem ??= new Violation(rule, detail);
  };
  const open = () => records.filter((r) => r.teardowns === 0);

  scheduler.run((helpers) => {
    // Each subscription to a source or inner is recorded: when it started and ended, how often its
    // teardown ran, and how often the handle `subscribe` returned was unsubscribed.
    const track = (kind: string, made: Observable<string>): Observable<string> => {
      // the record of the subscription being made: taken by the subscribe function below before
      // anything can subscribe again (a synchronous end that re-subscribes from its callback)
      let next: Record | undefined;
      const newRecord = (): Record => {
        const record: Record = { kind, start: scheduler.now(), end: undefined, teardowns: 0, handleCalls: 0, errored: undefined };
        records.push(record);
        return record;
      };
      const tracked = new Observable<string>((subscriber) => {
        const record = next ?? newRecord();
        next = undefined;
        subscriber.add(() => {
          record.teardowns++;
          record.end ??= scheduler.now();
        });
        // a real Subscriber joined to this subscription: a synchronous source sees it close
        made.subscribe(
          new CallbackSubscriber<string>(
            subscriber,
            (value) => subscriber.next(value),
            (error) => {
              record.errored = { at: scheduler.now(), error };
              subscriber.error(error);
            },
            () => subscriber.complete(),
          ),
        );
      });
      const subscribe = tracked.subscribe.bind(tracked) as (...args: unknown[]) => Subscription;
      (tracked as { subscribe: unknown }).subscribe = (...args: unknown[]) => {
        const record = (next = newRecord());
        const sub = subscribe(...args);
        return {
          get closed() {
            return sub.closed;
          },
          add: (teardown: Parameters<Subscription['add']>[0]) => sub.add(teardown),
          remove: (teardown: Parameters<Subscription['remove']>[0]) => sub.remove(teardown),
          unsubscribe: () => {
            record.handleCalls++;
            sub.unsubscribe();
          },
        };
      };
      return tracked;
    };

    const endless = composition === 'endless';
    // over an endless source the inners are synchronous and end, each with at least one value:
    // what could stop the source must come before the next value is pulled
    const innerObservables = inners.map((m) => (endless ? synchronous(m, true, fill) : fromMarble(helpers, m)));
    const context: ContractContext = {
      inner: (_value, index) => track(`inner ${index}`, innerObservables[index % innerObservables.length]!),
    };
    const made = endless
      ? new Observable<string>((subscriber) => {
          for (let i = 0; !subscriber.closed; i++) {
            if (i === ENDLESS_LIMIT) {
              fail('an endless synchronous source is stopped', `the operator took ${ENDLESS_LIMIT} values from it with take(1) downstream and did not stop it`);
              return subscriber.complete();
            }
            subscriber.next(fill === undefined ? LETTER(i) : (fill as string));
          }
        })
      : composition === 'synchronous'
        ? synchronous(source)
        : fromMarble(helpers, source);
    const source$ = track('source', made);
    const outer$ = track('outer', fromMarble(helpers, outer));
    const result = compose(composition, makeOperator(context), source$, outer$);

    const checkClosedAfterEnd = (how: string) => {
      // the operator's own teardown runs right after the notification: look at the end of the frame
      scheduler.schedule(() => {
        const left = open();
        if (left.length) fail('nothing left open after complete or error', `${left.map((r) => r.kind).join(', ')} still subscribed after the output's ${how}`);
      });
    };
    output = result.subscribe({
      next: (value) => notes.push({ frame: scheduler.now(), kind: 'N', value, late: unsubscribed }),
      error: (value: unknown) => {
        notes.push({ frame: scheduler.now(), kind: 'E', value, late: unsubscribed });
        checkClosedAfterEnd('error');
      },
      complete: () => {
        notes.push({ frame: scheduler.now(), kind: 'C', late: unsubscribed });
        checkClosedAfterEnd('complete');
      },
    });
    if (unsubscribeAt !== undefined) {
      scheduler.schedule(() => {
        unsubscribed = true;
        output!.unsubscribe();
        const left = open();
        if (left.length) fail('unsubscribing the output leaves nothing open', `${left.map((r) => r.kind).join(', ')} still subscribed after unsubscribing at frame ${unsubscribeAt}`);
      }, unsubscribeAt);
    }
  });
  unsubscribed = true;
  output?.unsubscribe();

  const end = notes.findIndex((n) => n.kind !== 'N');
  if (end >= 0 && end < notes.length - 1) {
    const after = notes[end + 1]!;
    fail('nothing after complete or error', `${after.kind === 'N' ? `next(${fc.stringify(after.value)})` : after.kind} at frame ${after.frame} after ${notes[end]!.kind === 'C' ? 'complete' : 'error'} at frame ${notes[end]!.frame}`);
  }
  const late = notes.find((n) => n.late);
  if (late) fail('nothing after unsubscribe', `${late.kind === 'N' ? `next(${fc.stringify(late.value)})` : late.kind} at frame ${late.frame} after the output was unsubscribed`);
  for (const r of records) {
    if (r.teardowns === 0) fail('every subscription is torn down', `${r.kind} (subscribed at frame ${r.start}) was never unsubscribed`);
    if (r.teardowns > 1 || r.handleCalls > 1) fail('every subscription is torn down exactly once', `${r.kind} (subscribed at frame ${r.start}) was torn down ${Math.max(r.teardowns, r.handleCalls)} times`);
  }
  // under retry and a re-subscribing subscriber the first error is handled on purpose
  if (!options.handlesErrors && composition !== 'retry' && composition !== 'resubscribe') {
    const endedAt = end >= 0 ? notes[end]!.frame : Infinity;
    const cutAt = unsubscribeAt ?? Infinity;
    for (const r of records) {
      if (r.kind !== 'source' || !r.errored || r.errored.at > Math.min(endedAt, cutAt)) continue;
      const reached = notes.some((n) => n.kind === 'E' && Object.is(n.value, r.errored!.error));
      if (!reached) fail('upstream errors reach the output', `the source errored with ${fc.stringify(r.errored.error)} at frame ${r.errored.at}, but the output ${end >= 0 ? (notes[end]!.kind === 'C' ? 'completed' : `errored with ${fc.stringify(notes[end]!.value)}`) : 'never ended'}`);
    }
  }
  if (problem) throw problem;
}

/**
 * Property-checks that an operator obeys the Observable contract, over generated sources (cold and
 * hot marble diagrams), inner Observables and unsubscribe times, in `TestScheduler` virtual time:
 *
 * - nothing is emitted after complete, error or unsubscribe;
 * - unsubscribing the output, or the output ending, leaves no upstream or inner subscription open;
 * - every subscription is torn down exactly once;
 * - upstream errors reach the output, unless `handlesErrors` says the operator handles them.
 *
 * On a violation it throws an `Error` whose message names the rule, the seed to replay it, and the
 * shrunk counterexample as marble diagrams to paste into a marble test. It throws, so it works in
 * any runner (vitest, jest, jasmine, `node:test`).
 *
 * ```text
 * checkOperatorContract(() => map((x) => x))            passes
 * checkOperatorContract(() => catchError(() => EMPTY))  throws:
 *   upstream errors reach the output: the source errored with "error" at frame 0, but the output completed
 *   source: cold('#', {}, "error")
 * ```
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { map } from 'rxjs';
 * import { checkOperatorContract } from 'rxjs-concurrency/testing';
 *
 * test('myOperator keeps the contract', () => {
 *   checkOperatorContract(({ inner }) => myOperator((value, index) => inner(value, index)));
 * });
 * // an operator typed for numbers: the generated sources carry numbers
 * test('double keeps the contract', () => {
 *   checkOperatorContract(() => map((n: number) => n * 2), { values: fc.integer() });
 * });
 * ```
 */
export function checkOperatorContract<T>(
  makeOperator: (context: ContractContext<T>) => OperatorFunction<T, unknown>,
  options: ContractOptions<T> & { readonly values: fc.Arbitrary<T> },
): void;
// without `values` the sources carry strings: an operator typed for other values is a type error here
export function checkOperatorContract(makeOperator: (context: ContractContext) => OperatorFunction<string, unknown>, options?: ContractOptions): void;
export function checkOperatorContract<T>(
  makeOperator: (context: ContractContext<T>) => OperatorFunction<T, unknown>,
  options: ContractOptions<T> = {},
): void {
  const fn = 'checkOperatorContract';
  checkFunction(fn, 'makeOperator', makeOperator);
  checkOptions(fn, options);
  if (options.values !== undefined && typeof (options.values as { generate?: unknown } | null)?.generate !== 'function') {
    typeError(fn, 'options.values', 'a fast-check Arbitrary', options.values);
  }
  // the checks below only pass values along: they are the same for every value type
  const make = makeOperator as unknown as (context: ContractContext) => OperatorFunction<string, unknown>;
  const value = options.values as fc.Arbitrary<string> | undefined;
  const maxFrames = checkInteger(fn, 'options.maxFrames', options.maxFrames ?? 8, 1);
  const numRuns = checkInteger(fn, 'options.numRuns', options.numRuns ?? 200, 1);
  if (options.seed !== undefined) checkInteger(fn, 'options.seed', options.seed, -(2 ** 31), 2 ** 31 - 1);
  if (options.path !== undefined && typeof options.path !== 'string') typeError(fn, 'options.path', 'a string', options.path);
  if (options.handlesErrors !== undefined && typeof options.handlesErrors !== 'boolean') typeError(fn, 'options.handlesErrors', 'a boolean', options.handlesErrors);
  checkChoices(fn, 'options.kinds', options.kinds, ['cold', 'hot']);
  const kinds = options.kinds ?? (['cold', 'hot'] as const);
  checkChoices(fn, 'options.compositions', options.compositions, CONTRACT_COMPOSITIONS);
  const compositions = options.compositions ?? CONTRACT_COMPOSITIONS;
  const arbitrary = fc.tuple(
    marbleSource({ maxFrames, kinds, value }),
    fc.array(marbleSource({ maxFrames: Math.max(1, maxFrames - 3), kinds, value }), { minLength: 1, maxLength: 3 }),
    fc.option(fc.integer({ min: 0, max: maxFrames + 4 }), { nil: undefined }),
    fc.constantFrom(...compositions),
    marbleSource({ maxFrames: Math.max(1, maxFrames - 4), kinds: ['cold'], endings: ['complete', 'never'] }),
    value ?? fc.constant(undefined),
  ) as fc.Arbitrary<Case>;
  const details = fc.check(
    fc.property(arbitrary, (c) => runCase(make, options, c)),
    { numRuns, seed: options.seed, path: options.path },
  );
  if (!details.failed) return;
  const error = details.errorInstance;
  const rule = error instanceof Violation ? `${error.rule}\n  ${error.detail}` : `the operator threw: ${String(error)}`;
  const lines = details.counterexample
    ? [
        `  composition: ${describeComposition(details.counterexample[0][3])}`,
        ...(usesOuter(details.counterexample[0][3]) ? [`  outer: ${showMarble(details.counterexample[0][4])}`] : []),
        `  source: ${details.counterexample[0][3] === 'endless' ? 'an endless synchronous source' : showMarble(details.counterexample[0][0])}`,
        ...details.counterexample[0][1].map((m, i) => `  inner ${i}: ${showMarble(m)}`),
        `  output unsubscribed at: ${details.counterexample[0][2] === undefined ? 'never' : `frame ${details.counterexample[0][2]}`}`,
      ]
    : [];
  throw new Error(
    [
      `checkOperatorContract: rule broken: ${rule}`,
      `counterexample (shrunk ${details.numShrinks} times):`,
      ...lines,
      `replay with { seed: ${details.seed}, path: ${JSON.stringify(details.counterexample ? details.counterexamplePath : '')} }`,
    ].join('\n'),
  );
}

const LETTER = (i: number) => String.fromCharCode(97 + (i % 26));

/**
 * The diagram's values, then its ending, synchronously on each subscription. `finite`: a value even
 * when the diagram has none, and a completion when it has no ending.
 */
function synchronous(source: MarbleSource, finite = false, fill?: unknown): Observable<string> {
  return new Observable<string>((subscriber) => {
    let emitted = false;
    for (const char of source.marble) {
      if (subscriber.closed) return;
      if (char === '#') return subscriber.error(source.error);
      if (char === '|') break;
      if (char !== '-') {
        emitted = true;
        subscriber.next(source.values[char] ?? char);
      }
    }
    if (finite && !emitted) subscriber.next(fill === undefined ? 'z' : (fill as string));
    if (finite || source.marble.endsWith('|')) subscriber.complete();
  });
}

function usesOuter(composition: ContractComposition): boolean {
  return ['concatMap', 'switchMap', 'exhaustMap', 'mergeMap(1)', 'takeUntil'].includes(composition);
}

function describeComposition(composition: ContractComposition): string {
  switch (composition) {
    case 'alone':
      return 'source.pipe(op)';
    case 'concatMap':
    case 'switchMap':
    case 'exhaustMap':
      return `outer.pipe(${composition}(() => source.pipe(op)))`;
    case 'mergeMap(1)':
      return 'outer.pipe(mergeMap(() => source.pipe(op), 1))';
    case 'repeat':
      return 'source.pipe(op, repeat(2))';
    case 'retry':
      return 'source.pipe(op, retry(1))';
    case 'take(1)':
      return 'source.pipe(op, take(1))';
    case 'takeUntil':
      return 'source.pipe(op, takeUntil(outer))';
    case 'resubscribe':
      return 'source.pipe(op), subscribed again from its own complete or error callback';
    case 'synchronous':
      return 'source.pipe(op) over the source delivered synchronously';
    case 'endless':
      return 'endless synchronous source, source.pipe(op, take(1)), synchronous inners';
  }
}

function compose(composition: ContractComposition, op: OperatorFunction<string, unknown>, source: Observable<string>, outer: Observable<string>): Observable<unknown> {
  switch (composition) {
    case 'alone':
    case 'synchronous':
      return source.pipe(op);
    case 'concatMap':
      return outer.pipe(concatMap(() => source.pipe(op)));
    case 'switchMap':
      return outer.pipe(switchMap(() => source.pipe(op)));
    case 'exhaustMap':
      return outer.pipe(exhaustMap(() => source.pipe(op)));
    case 'mergeMap(1)':
      return outer.pipe(mergeMap(() => source.pipe(op), 1));
    case 'repeat':
      return source.pipe(op, repeat(2));
    case 'retry':
      return source.pipe(op, retry(1));
    case 'take(1)':
    case 'endless':
      return source.pipe(op, take(1));
    case 'takeUntil':
      return source.pipe(op, takeUntil(outer));
    case 'resubscribe':
      return resubscribeOnce(source.pipe(op));
  }
}

/** A subscriber that subscribes `observable` again from its first `complete` or `error` callback. */
function resubscribeOnce(observable: Observable<unknown>): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    let again = true;
    let current: Subscription | undefined;
    const observer: Observer<unknown> = {
      next: (value) => subscriber.next(value),
      error: (error: unknown) => {
        if (!again) return subscriber.error(error);
        again = false;
        current = observable.subscribe(observer);
      },
      complete: () => {
        if (!again) return subscriber.complete();
        again = false;
        current = observable.subscribe(observer);
      },
    };
    // a synchronous end re-subscribes inside this call: keep the newer subscription, not this one
    const first = observable.subscribe(observer);
    current ??= first;
    return () => current?.unsubscribe();
  });
}
