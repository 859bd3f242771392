import { describe, it, expect } from 'vitest';
import { EMPTY, Observable, catchError, concatMap, lastValueFrom, map, mergeMap, of, switchMap, take, timer, toArray, type OperatorFunction, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import fc from 'fast-check';
import {
  KeyedSemaphore,
  Lock,
  Semaphore,
  finalizeWith,
  fromAbortable,
  fromWorker,
  gatherSettled,
  lockedSection,
  mergeAsCompleted,
  onCancel,
  raceFirst,
  semaphoreMap,
  takeUntilAborted,
  timeoutWith,
} from '../src/index.js';
import { CONTRACT_COMPOSITIONS, checkOperatorContract, fromMarble, inProcessPool, marbleSource, type ContractContext, type ContractOptions } from '../src/testing/index.js';

const RUNS = process.env.SOAK ? 2000 : 200;

const messageOf = (check: () => void): string => {
  try {
    check();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the check passed');
};

describe('checkOperatorContract catches broken operators, with a readable counterexample', () => {
  const forward = <T>(subscriber: { next(v: T): void; error(e: unknown): void; complete(): void }) => ({
    next: (v: T) => subscriber.next(v),
    error: (e: unknown) => subscriber.error(e),
    complete: () => subscriber.complete(),
  });

  it('one that never unsubscribes its source', () => {
    const message = messageOf(() =>
      checkOperatorContract(() => (source) => new Observable((subscriber) => void source.subscribe(forward(subscriber))), { compositions: ['alone'] }),
    );
    expect(message).toMatch(/rule broken: (unsubscribing the output leaves nothing open|every subscription is torn down)/);
    expect(message).toMatch(/source: (cold|hot)\('/);
    expect(message).toMatch(/replay with \{ seed: -?\d+, path: "[\d:]*" \}/);
  });

  it('one that emits after complete', () => {
    const emitsAfterComplete: OperatorFunction<string, string> = (source) => {
      const out = new Observable<string>();
      (out as { subscribe: unknown }).subscribe = (observer: { next(v: string): void; error(e: unknown): void; complete(): void }) =>
        source.subscribe({
          next: (v) => observer.next(v),
          error: (e) => observer.error(e),
          complete: () => {
            observer.complete();
            observer.next('late');
          },
        });
      return out;
    };
    const message = messageOf(() => checkOperatorContract(() => emitsAfterComplete, { compositions: ['alone'] }));
    expect(message).toMatch(/rule broken: nothing after complete or error\n {2}next\("late"\) at frame \d+ after complete at frame \d+/);
    expect(message).toMatch(/source: (cold|hot)\('-*\|'\)/); // shrunk to an empty diagram that completes
  });

  it('one that tears down twice', () => {
    const message = messageOf(() =>
      checkOperatorContract(() => (source) =>
        new Observable((subscriber) => {
          const sub = source.subscribe(forward(subscriber));
          return () => {
            sub.unsubscribe();
            sub.unsubscribe();
          };
        }),
        { compositions: ['alone'] },
      ),
    );
    expect(message).toMatch(/rule broken: every subscription is torn down exactly once\n {2}source \(subscribed at frame 0\) was torn down 2 times/);
  });

  it('one that swallows errors', () => {
    const message = messageOf(() => checkOperatorContract(() => catchError(() => EMPTY), { compositions: ['alone'] }));
    expect(message).toMatch(/rule broken: upstream errors reach the output\n {2}the source errored with "error" at frame \d+, but the output completed/);
    expect(message).toMatch(/source: (cold|hot)\('-*#', \{\}, "error"\)/);
  });

  it('one that leaks an inner subscription', () => {
    const leaky = ({ inner }: ContractContext): OperatorFunction<string, string> => (source) =>
      new Observable((subscriber) => {
        let index = 0;
        const sub = source.subscribe({
          next: (v) => void inner(v, index++).subscribe({ next: (x) => subscriber.next(x), error: (e) => subscriber.error(e) }),
          error: (e) => subscriber.error(e),
          complete: () => subscriber.complete(),
        });
        return () => sub.unsubscribe();
      });
    // alone: composed, its plain-observer subscribe is caught first, by the endless source
    const message = messageOf(() => checkOperatorContract(leaky, { compositions: ['alone'] }));
    // which inner leaks first depends on the random schedule (seen: inner 0, inner 1)
    expect(message).toMatch(/rule broken: .*\n {2}inner \d+ .*(still subscribed|never unsubscribed)/);
    expect(message).toMatch(/inner \d+: (cold|hot)\('/);
  });

  it('one that subscribes its source with a plain observer: take(1) cannot stop an endless synchronous source', () => {
    const plain = (): OperatorFunction<string, string> => (source) =>
      new Observable((subscriber) => {
        const sub = source.subscribe({ next: (v) => subscriber.next(v), error: (e) => subscriber.error(e), complete: () => subscriber.complete() });
        return () => sub.unsubscribe();
      });
    expect(() => checkOperatorContract(plain, { compositions: ['alone', 'concatMap', 'repeat'] })).not.toThrow();
    const message = messageOf(() => checkOperatorContract(plain));
    expect(message).toMatch(/rule broken: an endless synchronous source is stopped\n {2}the operator took 10000 values/);
    expect(message).toMatch(/composition: endless synchronous source, source\.pipe\(op, take\(1\)\)/);
  });

  it('one that keeps its subscription per operator, not per subscription: caught when re-subscribed from its own complete', () => {
    const shared = (): OperatorFunction<string, string> => {
      let current: Subscription | undefined;
      return (source) =>
        new Observable((subscriber) => {
          current = source.subscribe(subscriber);
          return () => current!.unsubscribe();
        });
    };
    expect(() => checkOperatorContract(shared, { compositions: ['alone'] })).not.toThrow();
    const message = messageOf(() => checkOperatorContract(shared, { compositions: ['alone', 'resubscribe'] }));
    expect(message).toMatch(/rule broken: (every subscription is torn down exactly once|.*left open|nothing after)/);
    expect(message).toMatch(/composition: source\.pipe\(op\), subscribed again from its own complete or error callback/);
  });

  it('the same seed replays the same failure', () => {
    const first = messageOf(() => checkOperatorContract(() => catchError(() => EMPTY), { seed: 42 }));
    const again = messageOf(() => checkOperatorContract(() => catchError(() => EMPTY), { seed: 42 }));
    expect(again).toBe(first);
  });
});

describe('correct rxjs operators pass the contract', () => {
  it.each([
    ['map', () => map((x: string) => x.toUpperCase())],
    ['mergeMap', ({ inner }: ContractContext) => mergeMap(inner)],
    ['switchMap', ({ inner }: ContractContext) => switchMap(inner)],
    ['concatMap', ({ inner }: ContractContext) => concatMap(inner)],
  ] as const)('%s', (_name, make) => {
    checkOperatorContract(make as (c: ContractContext) => OperatorFunction<string, unknown>, { numRuns: RUNS });
  });
});

describe('values of another type: the `values` option', () => {
  it('an operator typed for numbers is checked over generated numbers, and passes', () => {
    const seen: unknown[] = [];
    const double = (): OperatorFunction<number, number> => (source) => source.pipe(map((n) => (seen.push(n), n * 2)));
    checkOperatorContract(() => double(), { values: fc.integer({ min: 1000, max: 2000 }), numRuns: RUNS });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((n) => typeof n === 'number' && n >= 1000 && n <= 2000)).toBe(true);
  });

  it('the inners carry them too, and a counterexample prints them', () => {
    const message = messageOf(() =>
      checkOperatorContract(({ inner }: ContractContext<number>) => (source: Observable<number>) => source.pipe(mergeMap(inner), catchError(() => EMPTY)), {
        values: fc.constant(7),
        compositions: ['alone'],
      }),
    );
    expect(message).toMatch(/rule broken: upstream errors reach the output/);
    expect(message).not.toMatch(/\{ a: "a"/); // no letters stood in for the values
  });

  it('a values option that is not an arbitrary is a TypeError naming it', () => {
    expect(() => checkOperatorContract(() => map((x: number) => x), { values: 5 as never })).toThrow(/^checkOperatorContract: options\.values must be a fast-check Arbitrary/);
  });
});

describe('every operator of this package passes the contract', () => {
  const cases: [string, (c: ContractContext) => OperatorFunction<string, unknown>, ContractOptions?][] = [
    ['timeoutWith', () => timeoutWith(5)],
    ['timeoutWith with a fallback', ({ inner }) => timeoutWith(4, (e) => inner(String(e), 0))],
    ['semaphoreMap (number)', ({ inner }) => semaphoreMap(2, inner)],
    ['semaphoreMap (shared Semaphore, weights)', ({ inner }) => semaphoreMap(new Semaphore(3), inner, { weight: (_v, i) => (i % 3) + 1 })],
    ['lockedSection(lock)', () => lockedSection(new Lock())],
    ['Semaphore.section (weight 2 of 3, shared by every subscription)', () => {
      const semaphore = new Semaphore(3);
      return (source) => semaphore.section(source, 2);
    }],
    ['Lock.section with a lease factory (shared by every subscription)', () => {
      const lock = new Lock();
      return (source) => lock.section((lease) => (lease.signal.aborted ? EMPTY : source));
    }],
    ['semaphoreMap (Infinity: private permits without a limit)', ({ inner }) => semaphoreMap(Infinity, inner)],
    ['semaphoreMap over a KeyedSemaphore (a key per value, a cap per key, weights)', ({ inner }) =>
      semaphoreMap(new KeyedSemaphore<string>({ permits: 3, perKey: 2 }), inner, { key: (v) => v, weight: (_v, i) => (i % 2) + 1 })],
    ['KeyedSemaphore.section (two keys, shared by every subscription)', () => {
      const keyed = new KeyedSemaphore<number>({ permits: 1 });
      let n = 0;
      return (source) => keyed.section(n++ % 2, source);
    }],
    ['fromAbortable', () => (source) => fromAbortable(() => source)],
    ['lockedSection(lock, project)', ({ inner }) => lockedSection(new Lock(), inner)],
    ['finalizeWith', () => finalizeWith(() => undefined)],
    ['onCancel', () => onCancel(() => undefined)],
    ['takeUntilAborted', () => takeUntilAborted(new AbortController().signal)],
    ['raceFirst (source raced with an inner)', ({ inner }) => (source) => raceFirst([source, inner('x', 0)]), { handlesErrors: true }],
    ['mergeAsCompleted (an Observable of inners)', ({ inner }) => (source) => mergeAsCompleted(source.pipe(map(inner)))],
    ['mergeAsCompleted with settle and concurrency', ({ inner }) => (source) => mergeAsCompleted(source.pipe(map(inner)), { settle: true, concurrency: 2 })],
    // a deadline without settle: the output errors with TimeoutError when it passes, and its timer
    // belongs to each subscription (re-subscribed by repeat/retry, or from its own complete)
    ['mergeAsCompleted with a deadline, fail-fast', ({ inner }) => (source) => mergeAsCompleted(source.pipe(map(inner)), { timeout: 5 })],
    // it emits only once every source has settled: over an endless source it never could
    ['gatherSettled (an Observable of inners)', ({ inner }) => (source) => gatherSettled(source.pipe(map(inner)), { timeout: 6 }), { compositions: CONTRACT_COMPOSITIONS.filter((c) => c !== 'endless') }],
    ['fromWorker on an in-process pool', () => {
      const pool = inProcessPool({ echo: (v: string) => of(v, v) });
      return mergeMap((v: string) => fromWorker(pool, 'echo', v));
    }],
  ];
  it.each(cases)('%s', (_name, make, options) => {
    checkOperatorContract(make, { numRuns: RUNS, ...options });
  });
});

describe('inProcessPool', () => {
  const tasks = {
    double: (n: number) => n * 2,
    *count(n: number) {
      for (let i = 1; i <= n; i++) yield i;
    },
    ticks: (n: number) => new Observable<number>((s) => {
      let i = 0;
      const t = setInterval(() => (i < n ? s.next(i++) : s.complete()), 1);
      return () => clearInterval(t);
    }),
    fail: () => {
      throw new RangeError('nope');
    },
  };

  it('has the pool interface and runs handlers on this thread, synchronously', () => {
    const pool = inProcessPool(tasks);
    const values: number[] = [];
    fromWorker(pool, 'double', 21).subscribe((v) => values.push(v));
    expect(values).toEqual([42]);
    expect(pool.stats).toEqual({ workers: 1, busy: 0, queued: 0 });
  });

  it('streams, errors with the same class, and knows its task names', async () => {
    const pool = inProcessPool(tasks);
    expect(await lastValueFrom(fromWorker(pool, 'count', 3).pipe(toArray()))).toEqual([1, 2, 3]);
    await expect(lastValueFrom(fromWorker(pool, 'fail'))).rejects.toThrow(RangeError);
    await expect(lastValueFrom(fromWorker(pool as never, 'zzz' as never))).rejects.toThrow(/unknown task 'zzz'.*'double'/);
  });

  it('runs Observable handlers in virtual time', () => {
    const pool = inProcessPool({ later: (v: string) => timer(3).pipe(map(() => v)) });
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ expectObservable }) => {
      expectObservable(fromWorker(pool, 'later', 'x')).toBe('---(x|)');
    });
  });

  it('cancelling unsubscribes the handler’s Observable and frees the slot; size limits and queues', () => {
    let torn = 0;
    const pool = inProcessPool({ forever: () => new Observable(() => () => torn++) }, { size: 1 });
    const a = fromWorker(pool, 'forever').subscribe();
    const b = fromWorker(pool, 'forever').subscribe();
    expect(pool.stats).toEqual({ workers: 1, busy: 1, queued: 1 });
    b.unsubscribe();
    expect(pool.stats.queued).toBe(0);
    a.unsubscribe();
    expect(torn).toBe(1);
    expect(pool.stats).toEqual({ workers: 1, busy: 0, queued: 0 });
  });

  it('an endless synchronous generator stops when the subscriber takes what it needs', () => {
    const pool = inProcessPool({
      *naturals() {
        for (let n = 0; ; n++) yield n;
      },
    });
    const values: number[] = [];
    fromWorker(pool, 'naturals').pipe(take(3)).subscribe((v) => values.push(v));
    expect(values).toEqual([0, 1, 2]);
    expect(pool.stats).toEqual({ workers: 1, busy: 0, queued: 0 });
  });

  it('terminate() ends the running task, tears its handler down, and refuses later tasks', async () => {
    let torn = 0;
    const pool = inProcessPool({ forever: () => new Observable<never>(() => () => torn++) });
    const running = lastValueFrom(fromWorker(pool, 'forever')).catch((e: Error) => e.message);
    await pool.terminate();
    expect(await running).toMatch(/terminated/);
    await expect(lastValueFrom(fromWorker(pool, 'forever'))).rejects.toThrow(/terminated/);
    expect(pool.stats).toEqual({ workers: 0, busy: 0, queued: 0 });
    expect(torn).toBe(1);
  });

  it('bad arguments', () => {
    expect(() => inProcessPool(null as never)).toThrow(/^inProcessPool: handlers must be an object/);
    expect(() => inProcessPool({ a: 1 } as never)).toThrow(/^inProcessPool: handlers\.a must be a function/);
    expect(() => inProcessPool({}, { size: 0 })).toThrow(/^inProcessPool: options\.size must be an integer from 1 up, got 0/);
    expect(() => checkOperatorContract(5 as never)).toThrow(/^checkOperatorContract: makeOperator must be a function/);
    expect(() => checkOperatorContract(() => map((x: string) => x), { numRuns: 0 })).toThrow(/^checkOperatorContract: options\.numRuns must be an integer from 1 up, got 0/);
    expect(() => checkOperatorContract(() => map((x: string) => x), { kinds: ['warm' as never] })).toThrow(/^checkOperatorContract: options\.kinds must be a non-empty array of 'cold', 'hot'/);
    expect(() => checkOperatorContract(() => map((x: string) => x), { handlesErrors: 'yes' as never })).toThrow(/^checkOperatorContract: options\.handlesErrors must be a boolean/);
    expect(() => marbleSource({ maxFrames: -1 })).toThrow(/^marbleSource: options\.maxFrames must be an integer from 0 up, got -1/);
    expect(() => marbleSource({ minValues: 9, maxFrames: 3 })).toThrow(/^marbleSource: options\.minValues must be an integer from 0 to 3, got 9/);
    expect(() => marbleSource({ endings: [] })).toThrow(/^marbleSource: options\.endings must be a non-empty array/);
    expect(() => marbleSource({ value: 5 as never })).toThrow(/^marbleSource: options\.value must be a fast-check Arbitrary/);
    expect(() => fromMarble({} as never, { kind: 'cold', marble: '-|', values: {}, error: 'e' })).toThrow(/^fromMarble: helpers must be/);
  });
});
