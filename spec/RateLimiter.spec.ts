import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { NEVER, VirtualTimeScheduler, concatMap, defer, lastValueFrom, mergeMap, of, range, repeat, take, throwError, timer, toArray, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { RateLimiter, rateLimitMap } from '../src/index.js';
import { checkOperatorContract } from '../src/testing/index.js';
import { RUNS, newTestScheduler, endlessSource } from './helpers.js';

interface Arrival {
  readonly arrive: number;
  readonly cost: number;
  /** Frames after arriving that the subscriber unsubscribes, if it does. */
  readonly cancelAfter: number | undefined;
}

/**
 * The reference model, a discrete-event simulation with plain arrays. Waiters queue in arrival order
 * (strict FIFO); whenever the queue changes at its head, and when the one timer fires, the head
 * starts if the starts in the window (t − interval, t] plus its cost stay within the limit. Events on
 * the same frame run in the order TestScheduler runs them: the scenario's own actions in the order
 * they were set up (each waiter's arrival, then its cancel), the limiter's timer after them.
 */
function model(windows: readonly { limit: number; interval: number }[], arrivals: readonly Arrival[]): (number | undefined)[] {
  const result: (number | undefined)[] = arrivals.map(() => undefined);
  const starts: { time: number; cost: number }[] = [];
  const queue: number[] = [];
  const used = (t: number, interval: number) => starts.filter((s) => s.time > t - interval).reduce((sum, s) => sum + s.cost, 0);
  // with several windows, a start needs room in each
  const fits = (t: number, cost: number) => windows.every((w) => used(t, w.interval) + cost <= w.limit);
  const dispatch = (t: number) => {
    while (queue.length > 0 && fits(t, arrivals[queue[0]!]!.cost)) {
      const i = queue.shift()!;
      result[i] = t;
      starts.push({ time: t, cost: arrivals[i]!.cost });
    }
  };
  /** When the head will fit: the first moment a start leaves the window with room enough. */
  const timerAt = (t: number) => {
    if (queue.length === 0) return Infinity;
    const cost = arrivals[queue[0]!]!.cost;
    const moments = starts.flatMap((s) => windows.map((w) => s.time + w.interval)).filter((m) => m > t).sort((a, b) => a - b);
    return moments.find((m) => fits(m, cost)) ?? Infinity;
  };
  const events = arrivals
    .flatMap((a, i) => [
      { t: a.arrive, order: 2 * i, cancel: false, i },
      ...(a.cancelAfter === undefined ? [] : [{ t: a.arrive + a.cancelAfter, order: 2 * i + 1, cancel: true, i }]),
    ])
    .sort((x, y) => x.t - y.t || x.order - y.order);
  let timer = Infinity;
  let k = 0;
  while (k < events.length || timer !== Infinity) {
    const frame = Math.min(events[k]?.t ?? Infinity, timer);
    for (; k < events.length && events[k]!.t === frame; k++) {
      const e = events[k]!;
      if (!e.cancel) {
        queue.push(e.i);
        dispatch(frame);
      } else if (queue.includes(e.i)) {
        const wasHead = queue[0] === e.i;
        queue.splice(queue.indexOf(e.i), 1);
        if (wasHead) dispatch(frame);
      }
    }
    if (timer === frame) dispatch(frame);
    timer = timerAt(frame);
  }
  return result;
}

const scenario = fc.record({
  limit: fc.integer({ min: 1, max: 4 }),
  interval: fc.integer({ min: 1, max: 5 }).map((n) => n * 2),
  // a second, longer window, as in "4 per second and 60 per minute" (or none)
  second: fc.option(fc.record({ extra: fc.integer({ min: 0, max: 3 }), times: fc.integer({ min: 2, max: 4 }) }), { nil: undefined }),
}).chain(({ limit, interval, second }) =>
  fc.record({
    limit: fc.constant(limit),
    interval: fc.constant(interval),
    windows: fc.constant<{ limit: number; interval: number }[]>(second === undefined ? [{ limit, interval }] : [{ limit, interval }, { limit: limit + second.extra, interval: interval * second.times }]),
    arrivals: fc.array(
      fc.record({
        arrive: fc.integer({ min: 0, max: 15 }).map((n) => n * 2),
        cost: fc.integer({ min: 1, max: limit }),
        cancelAfter: fc.option(fc.integer({ min: 0, max: 10 }).map((n) => n * 2 + 1), { nil: undefined }),
      }),
      { maxLength: 14 },
    ),
  }),
);

describe('RateLimiter against a reference model', () => {
  it('start times equal the model’s; the window never holds more than the limit; FIFO', () => {
    fc.assert(
      fc.property(scenario, ({ limit, interval, windows, arrivals }) => {
        const started: (number | undefined)[] = arrivals.map(() => undefined);
        const scheduler = newTestScheduler();
        scheduler.run(({ flush }) => {
          const limiter = windows.length === 1 ? new RateLimiter({ limit, interval }) : new RateLimiter({ windows });
          const subs: (Subscription | undefined)[] = [];
          arrivals.forEach((a, i) => {
            scheduler.schedule(() => {
              subs[i] = limiter.section(defer(() => ((started[i] = scheduler.now()), NEVER)), a.cost).subscribe();
            }, a.arrive);
            if (a.cancelAfter !== undefined) scheduler.schedule(() => subs[i]?.unsubscribe(), a.arrive + a.cancelAfter);
          });
          flush();
          expect(limiter.waiting).toBe(0);
          for (const s of subs) s?.unsubscribe();
        });
        expect(started).toEqual(model(windows, arrivals));
        // the rule itself, independent of the model: any span of each window's interval holds at most its limit
        const starts = arrivals.flatMap((a, i) => (started[i] === undefined ? [] : [{ time: started[i]!, cost: a.cost }]));
        for (const w of windows) {
          for (const s of starts) {
            const inSpan = starts.filter((o) => o.time >= s.time && o.time < s.time + w.interval).reduce((sum, o) => sum + o.cost, 0);
            expect(inSpan).toBeLessThanOrEqual(w.limit);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the scenarios do make waiters wait (the property above is not vacuous)', () => {
    expect(model([{ limit: 1, interval: 4 }], [{ arrive: 0, cost: 1, cancelAfter: undefined }, { arrive: 0, cost: 1, cancelAfter: undefined }])).toEqual([0, 4]);
    // and a second window binds where the first would let a start through
    const four = [0, 0, 0, 0].map((arrive) => ({ arrive, cost: 1, cancelAfter: undefined }));
    expect(model([{ limit: 2, interval: 5 }, { limit: 3, interval: 12 }], four)).toEqual([0, 0, 5, 12]);
  });
});

describe('RateLimiter', () => {
  it('one timer however many wait, and none when nobody waits', () => {
    const scheduler = new TestScheduler(() => undefined);
    scheduler.run(() => {
      const limiter = new RateLimiter({ limit: 1, interval: 10 });
      const subs = Array.from({ length: 1000 }, () => limiter.section(of(1)).subscribe());
      expect(limiter.waiting).toBe(999);
      expect(scheduler.actions.length).toBe(1);
      for (const s of subs) s.unsubscribe();
      expect(limiter.waiting).toBe(0);
      expect(scheduler.actions.filter((a) => !a.closed).length).toBe(0);
    });
  });

  it('100 000 sections that start and end synchronously pass without stack growth, and 100 000 cancelled waiters leave nothing queued', () => {
    const limiter = new RateLimiter({ limit: 100_000, interval: 1000 });
    let done = 0;
    limiter.section(of(0)).subscribe();
    range(0, 100_000).pipe(concatMap((i) => limiter.section(of(i)))).subscribe({ complete: () => done++ });
    expect(done).toBe(0); // the window is full after 100 000 starts: the last one waits
    const tight = new RateLimiter({ limit: 1, interval: 1000 });
    tight.section(NEVER).subscribe();
    const subs = Array.from({ length: 100_000 }, () => tight.section(of(1)).subscribe());
    expect(tight.waiting).toBe(100_000);
    for (const s of subs) s.unsubscribe();
    expect(tight.waiting).toBe(0);
  });

  it('composed: repeat, concatMap, take(1) over an endless synchronous source', async () => {
    const limiter = new RateLimiter({ limit: 100, interval: 1000 });
    expect(await lastValueFrom(limiter.section(of(1)).pipe(repeat(3), toArray()))).toEqual([1, 1, 1]);
    expect(await lastValueFrom(range(0, 3).pipe(concatMap((i) => limiter.section(of(i))), toArray()))).toEqual([0, 1, 2]);
    const { endless, pulled } = endlessSource();
    expect(await lastValueFrom(limiter.section(endless).pipe(take(1)))).toBe(0);
    expect(pulled()).toBe(1);
  });

  it('several windows: the limit, interval and windows it reports; composed under the contract', () => {
    const limiter = new RateLimiter({ windows: [{ limit: 60, interval: 60_000 }, { limit: 4, interval: 1000 }] });
    expect([limiter.limit, limiter.interval, limiter.permits]).toEqual([4, 1000, 4]);
    expect(limiter.windows).toEqual([{ limit: 60, interval: 60_000 }, { limit: 4, interval: 1000 }]);
    checkOperatorContract(({ inner }) => rateLimitMap({ windows: [{ limit: 2, interval: 3 }, { limit: 3, interval: 7 }] }, inner), { numRuns: RUNS });
  });

  it('keeps the Observable contract, composed (section and rateLimitMap)', () => {
    checkOperatorContract(() => {
      const limiter = new RateLimiter({ limit: 2, interval: 3 });
      return (source) => limiter.section(source);
    }, { numRuns: RUNS });
    checkOperatorContract(({ inner }) => rateLimitMap({ limit: 2, interval: 3 }, inner, { concurrency: 2 }), { numRuns: RUNS });
    checkOperatorContract(({ inner }) => rateLimitMap(new RateLimiter({ limit: 3, interval: 2 }), inner, { cost: (_v, i) => (i % 3) + 1 }), { numRuns: RUNS });
  });

  it.each([
    [() => new RateLimiter(undefined as never), TypeError, /^RateLimiter: options must be an object \{ limit, interval \} or \{ windows \}/],
    [() => new RateLimiter({ limit: 0, interval: 10 }), RangeError, /^RateLimiter: options\.limit must be an integer from 1 up, got 0/],
    [() => new RateLimiter({ limit: 1.5, interval: 10 }), RangeError, /options\.limit/],
    [() => new RateLimiter({ limit: 2, interval: 0 }), RangeError, /^RateLimiter: options\.interval must be a finite number of milliseconds above 0, got 0/],
    [() => new RateLimiter({ limit: 2, interval: Infinity }), RangeError, /options\.interval/],
    [() => new RateLimiter({ limit: 2, interval: '5' as never }), TypeError, /options\.interval/],
    [() => new RateLimiter({ limit: 2, interval: 5 }).section(of(1), 3), RangeError, /^RateLimiter\.section: cost must be an integer from 1 to 2, got 3/],
    [() => new RateLimiter({ limit: 2, interval: 5 }).section(5 as never), TypeError, /^RateLimiter\.section: source must be an ObservableInput/],
    [() => rateLimitMap(5 as never, () => of(1)), TypeError, /^rateLimitMap: limiter must be a RateLimiter, \{ limit, interval \} or \{ windows \}/],
    [() => rateLimitMap({ limit: 2, interval: 5 }, 'x' as never), TypeError, /^rateLimitMap: project must be a function/],
    [() => rateLimitMap({ limit: 2, interval: 5 }, () => of(1), { cost: 3 }), RangeError, /^rateLimitMap: options\.cost must be an integer from 1 to 2, got 3/],
    [() => rateLimitMap({ limit: 2, interval: 5 }, () => of(1), { concurrency: 0 }), RangeError, /^rateLimitMap: options\.concurrency/],
    [() => new RateLimiter({ windows: [] }), TypeError, /^RateLimiter: options\.windows must be a non-empty array of \{ limit, interval \}/],
    [() => new RateLimiter({ windows: [{ limit: 4, interval: 1000 }, { limit: 0, interval: 60_000 }] }), RangeError, /^RateLimiter: options\.windows\[1\]\.limit must be an integer from 1 up, got 0/],
    [() => new RateLimiter({ windows: [{ limit: 4, interval: 1000 }, 5 as never] }), TypeError, /^RateLimiter: options\.windows\[1\] must be an object/],
    // a cost must fit every window it meets
    [() => new RateLimiter({ windows: [{ limit: 4, interval: 1000 }, { limit: 2, interval: 60_000 }] }).section(of(1), 3), RangeError, /^RateLimiter\.section: cost must be an integer from 1 to 2, got 3/],
    [() => rateLimitMap({ windows: [{ limit: 4, interval: 1000 }, { limit: 2, interval: 60_000 }] }, () => of(1), { cost: 3 }), RangeError, /^rateLimitMap: options\.cost must be an integer from 1 to 2, got 3/],
  ])('%#: bad arguments throw synchronously, naming the function and the parameter', (call, ErrorClass, message) => {
    expect(call).toThrow(ErrorClass);
    expect(call).toThrow(message);
  });

  it('a cost function returning a bad cost errors the output', async () => {
    const error = await lastValueFrom(of(1).pipe(rateLimitMap({ limit: 2, interval: 5 }, () => of(1), { cost: () => 5 }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^rateLimitMap: options\.cost\(value\) must be an integer from 1 to 2, got 5/);
  });
});

describe('RateLimiter: back-off that every stream obeys', () => {
  it('pause(ms) starts nothing new until then, for every stream; the waiters resume in FIFO order as the window allows', () => {
    const scheduler = new VirtualTimeScheduler();
    const limiter = new RateLimiter({ limit: 2, interval: 100, scheduler });
    const starts: string[] = [];
    const start = (name: string) => defer(() => (starts.push(`${name} ${scheduler.now()}`), of(name)));
    limiter.section(start('a')).subscribe();
    limiter.pause(250);
    limiter.section(start('b')).subscribe();
    scheduler.schedule(() => limiter.section(start('c')).subscribe(), 10);
    scheduler.schedule(() => limiter.section(start('d')).subscribe(), 20);
    scheduler.flush();
    // b and c start when the pause ends (a's start left the window long before); d waits for the window
    expect(starts).toEqual(['a 0', 'b 250', 'c 250', 'd 350']);
  });

  it('with back-off on (isOverload or retryAfter given), an overload with a delay pauses the limiter for every stream', () => {
    const scheduler = new VirtualTimeScheduler();
    const limiter = new RateLimiter({ limit: 10, interval: 1000, scheduler, retryAfter: (e) => (e as { wait?: number }).wait });
    const starts: number[] = [];
    limiter.section(timer(5, scheduler).pipe(mergeMap(() => throwError(() => Object.assign(new Error('slow down'), { status: 429, wait: 300 }))))).subscribe({ error: () => undefined });
    scheduler.schedule(() => {
      for (let i = 0; i < 2; i++) limiter.section(defer(() => (starts.push(scheduler.now()), of(i)))).subscribe();
    }, 10);
    scheduler.flush();
    expect(starts).toEqual([305, 305]);
  });

  it('without back-off options an overload pauses nothing; a non-overload error never does', () => {
    const scheduler = new VirtualTimeScheduler();
    const plain = new RateLimiter({ limit: 10, interval: 1000, scheduler });
    const opted = new RateLimiter({ limit: 10, interval: 1000, scheduler, isOverload: (e) => (e as { status?: number }).status === 503 });
    const starts: string[] = [];
    const overloaded = Object.assign(new Error('x'), { status: 429, headers: { 'retry-after': '1' } });
    plain.section(throwError(() => overloaded)).subscribe({ error: () => undefined });
    opted.section(throwError(() => overloaded)).subscribe({ error: () => undefined }); // 429 is not what this one calls an overload
    plain.section(defer(() => (starts.push(`plain ${scheduler.now()}`), of(1)))).subscribe();
    opted.section(defer(() => (starts.push(`opted ${scheduler.now()}`), of(1)))).subscribe();
    scheduler.flush();
    expect(starts).toEqual(['plain 0', 'opted 0']);
    expect(() => plain.pause(-1)).toThrow(/RateLimiter\.pause: ms/);
    expect(() => new RateLimiter({ limit: 1, interval: 1, retryAfter: 5 as never })).toThrow(/options\.retryAfter/);
  });
});
