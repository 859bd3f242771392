// KeyedRateLimiter: a window per key and a global one, turns across keys when the global one binds,
// keys forgotten once their windows pass, the operators over it, and its argument checks.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { NEVER, defer, lastValueFrom, of, range, take, toArray, type Subscription } from 'rxjs';
import { KeyedRateLimiter, RateLimiter, rateLimitMap } from '../src/index.js';
import { checkOperatorContract } from '../src/testing/index.js';
import { RUNS, newTestScheduler } from './helpers.js';

describe('KeyedRateLimiter', () => {
  it('a per-key window and a global one, in virtual time: no key over its window, all keys together under the global one, FIFO within a key', () => {
    const scheduler = newTestScheduler();
    const starts: { key: string; n: number; at: number }[] = [];
    scheduler.run(({ flush }) => {
      const limiter = new KeyedRateLimiter<string>({ perKey: { limit: 2, interval: 10 }, global: { windows: [{ limit: 3, interval: 10 }, { limit: 5, interval: 30 }] } });
      for (const key of ['a', 'b', 'c']) for (let n = 0; n < 4; n++) limiter.section(key, defer(() => (starts.push({ key, n, at: scheduler.now() }), of(n)))).subscribe();
      flush();
      expect([limiter.waiting, limiter.keys]).toEqual([0, 0]); // nothing waits (their windows may still hold starts)
    });
    expect(starts).toHaveLength(12);
    const within = (from: number, span: number, key?: string) => starts.filter((s) => s.at >= from && s.at < from + span && (key === undefined || s.key === key)).length;
    for (const s of starts) {
      for (const key of ['a', 'b', 'c']) expect(within(s.at, 10, key)).toBeLessThanOrEqual(2);
      expect(within(s.at, 10)).toBeLessThanOrEqual(3);
      expect(within(s.at, 30)).toBeLessThanOrEqual(5);
    }
    for (const key of ['a', 'b', 'c']) expect(starts.filter((s) => s.key === key).map((s) => s.n)).toEqual([0, 1, 2, 3]);
    // the keys took turns: the first three starts are one of each key, not two of a
    expect(starts.slice(0, 3).map((s) => s.key).sort()).toEqual(['a', 'a', 'b']); // a1, a2 at once (nobody waited), then b
    expect(starts.slice(3, 6).map((s) => s.key)).toContain('c');
  });

  it('a key starts again once its window has passed; a waiter unsubscribed takes nothing from the windows', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const limiter = new KeyedRateLimiter<number>({ perKey: { limit: 1, interval: 5 } });
      const started: number[] = [];
      const subs: Subscription[] = [];
      for (let k = 0; k < 100; k++) limiter.section(k, defer(() => (started.push(k), of(k)))).subscribe();
      const waiting = limiter.section(0, defer(() => (started.push(-1), NEVER))).subscribe();
      expect([limiter.waiting, limiter.queued(0)]).toEqual([1, 1]);
      waiting.unsubscribe();
      expect([limiter.waiting, limiter.queued(0)]).toEqual([0, 0]);
      scheduler.schedule(() => {
        // key 0's window has passed, and nothing was counted for the cancelled waiter: this starts at once
        subs.push(limiter.section(0, defer(() => (started.push(1000), of(0)))).subscribe());
      }, 6);
      flush();
      expect(started.filter((s) => s === -1)).toEqual([]);
      expect(started).toContain(1000);
      subs.forEach((s) => s.unsubscribe());
    });
  });

  it('rateLimitMap with a key per value, composed; a keyed limiter needs `key`, a plain one refuses it', async () => {
    const limiter = new KeyedRateLimiter<string>({ perKey: { limit: 1000, interval: 1000 } });
    const out = await lastValueFrom(of('a', 'b', 'a').pipe(rateLimitMap(limiter, (v) => of(v.toUpperCase()), { key: (v) => v, concurrency: 2 }), toArray()));
    expect(out).toEqual(['A', 'B', 'A']);
    expect(await lastValueFrom(range(0, 1_000_000).pipe(rateLimitMap(new KeyedRateLimiter<number>({ perKey: { limit: 5, interval: 60_000 } }), (v) => of(v), { key: (v) => v % 2 }), take(3), toArray()))).toEqual([0, 1, 2]);
    expect(() => rateLimitMap(limiter as never, () => of(1))).toThrow(/^rateLimitMap: options\.key must be a function \(value, index\) => key, with a KeyedRateLimiter/);
    expect(() => rateLimitMap(new RateLimiter({ limit: 2, interval: 5 }), () => of(1), { key: () => 'a' } as never)).toThrow(/^rateLimitMap: options\.key must be undefined: a key goes with a KeyedRateLimiter/);
  });

  it('keeps the Observable contract, composed (section, forKey and rateLimitMap)', () => {
    checkOperatorContract(() => {
      const limiter = new KeyedRateLimiter<number>({ perKey: { limit: 2, interval: 3 }, global: { limit: 3, interval: 3 } });
      let n = 0;
      return (source) => limiter.section(n++ % 2, source);
    }, { numRuns: RUNS });
    checkOperatorContract(({ inner }) => rateLimitMap(new KeyedRateLimiter<string>({ perKey: { limit: 1, interval: 2 }, global: { limit: 2, interval: 3 } }), inner, { key: (v) => v }), { numRuns: RUNS });
    checkOperatorContract(({ inner }) => rateLimitMap(new KeyedRateLimiter<string>({ perKey: { limit: 2, interval: 2 } }), inner, { key: (v) => v, concurrency: 1, cost: (_v, i) => (i % 2) + 1 }), { numRuns: RUNS });
  });

  it('bad arguments: TypeError or RangeError naming the function and the parameter', () => {
    expect(() => new KeyedRateLimiter(undefined as never)).toThrow(/^KeyedRateLimiter: options must be an object \{ perKey, global\?, share\? \}/);
    expect(() => new KeyedRateLimiter({ perKey: 5 as never })).toThrow(/^KeyedRateLimiter: options\.perKey must be an object \{ limit, interval \} or \{ windows \}/);
    expect(() => new KeyedRateLimiter({ perKey: { limit: 0, interval: 5 } })).toThrow(/^KeyedRateLimiter: options\.perKey\.limit must be an integer from 1 up, got 0/);
    expect(() => new KeyedRateLimiter({ perKey: { limit: 2, interval: 5 }, global: { windows: [{ limit: 2, interval: -1 }] } })).toThrow(
      /^KeyedRateLimiter: options\.global\.windows\[0\]\.interval must be a finite number of milliseconds above 0, got -1/,
    );
    expect(() => new KeyedRateLimiter({ perKey: { limit: 2, interval: 5 }, share: 1 as never })).toThrow(/^KeyedRateLimiter: options\.share must be a function/);
    // a cost must fit every window it meets
    const limiter = new KeyedRateLimiter<string>({ perKey: { limit: 5, interval: 5 }, global: { limit: 3, interval: 5 } });
    expect(limiter.permits).toBe(3);
    expect(() => limiter.section('a', of(1), 4)).toThrow(/^KeyedRateLimiter\.section: cost must be an integer from 1 to 3, got 4/);
    expect(() => rateLimitMap(limiter, () => of(1), { key: () => 'a', cost: 4 })).toThrow(/^rateLimitMap: options\.cost must be an integer from 1 to 3, got 4/);
  });
});

describe('KeyedRateLimiter, a property over random arrivals (fast-check, virtual time)', () => {
  it('no key over its window, all keys under the global one, FIFO within a key, every section not cancelled starts', () => {
    fc.assert(
      fc.property(
        fc.record({
          perKey: fc.record({ limit: fc.integer({ min: 1, max: 3 }), interval: fc.integer({ min: 1, max: 6 }) }),
          global: fc.option(fc.record({ limit: fc.integer({ min: 1, max: 4 }), interval: fc.integer({ min: 1, max: 8 }) }), { nil: undefined }),
          arrivals: fc.array(
            fc.record({ at: fc.integer({ min: 0, max: 12 }), key: fc.integer({ min: 0, max: 2 }), cost: fc.integer({ min: 1, max: 3 }), cancelAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) }),
            { maxLength: 16 },
          ),
        }),
        ({ perKey, global, arrivals }) => {
          const most = Math.min(perKey.limit, global?.limit ?? Infinity);
          const starts: { i: number; at: number }[] = [];
          const scheduler = newTestScheduler();
          scheduler.run(({ flush }) => {
            const limiter = new KeyedRateLimiter<number>({ perKey, ...(global ? { global } : {}) });
            arrivals.forEach((a, i) => {
              const cost = Math.min(a.cost, most);
              scheduler.schedule(() => {
                const sub = limiter.section(a.key, defer(() => (starts.push({ i, at: scheduler.now() }), of(i))), cost).subscribe();
                if (a.cancelAfter !== undefined) scheduler.schedule(() => sub.unsubscribe(), a.cancelAfter);
              }, a.at);
            });
            flush();
            expect(limiter.waiting).toBe(0);
          });
          const cost = (i: number) => Math.min(arrivals[i]!.cost, most);
          const inSpan = (from: number, interval: number, key?: number) =>
            starts.filter((s) => s.at >= from && s.at < from + interval && (key === undefined || arrivals[s.i]!.key === key)).reduce((sum, s) => sum + cost(s.i), 0);
          for (const s of starts) {
            for (const key of [0, 1, 2]) expect(inSpan(s.at, perKey.interval, key)).toBeLessThanOrEqual(perKey.limit);
            if (global) expect(inSpan(s.at, global.interval)).toBeLessThanOrEqual(global.limit);
          }
          for (const key of [0, 1, 2]) {
            // FIFO within a key: by arrival time, then by order of arrival in the same frame
            const order = starts.filter((s) => arrivals[s.i]!.key === key).map((s) => s.i);
            const byArrival = [...order].sort((x, y) => arrivals[x]!.at - arrivals[y]!.at || x - y);
            expect(order).toEqual(byArrival);
          }
          // a section never cancelled always starts (it waits at most for windows to pass)
          arrivals.forEach((a, i) => {
            if (a.cancelAfter === undefined) expect(starts.some((s) => s.i === i)).toBe(true);
          });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
