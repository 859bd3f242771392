// AdaptiveLimit: each algorithm's steps in virtual time against a small reference of its formula,
// a fast-check property of the invariants (limit in [min, max], no grant above the limit, a pause
// holds every stream, holders never interrupted), the contract's compositions, and the shared
// back-off on a real 429 with Retry-After from a loopback HTTP server.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createServer } from 'node:http';
import {

  Observable,
  Subject,
  TimeoutError,
  VirtualTimeScheduler,
  concatMap,
  defer,
  exhaustMap,
  from,
  lastValueFrom,
  map,
  merge,
  of,
  range,
  repeat,
  switchMap,
  take,
  throwError,
  timer,
  toArray,
} from 'rxjs';
import { AdaptiveLimit, semaphoreMap } from '../src/index.js';
import { checkOperatorContract } from '../src/testing/index.js';
import { RUNS, endlessSource } from './helpers.js';

/** A closed loop of `callers`, each running `rounds` sections in turn; section k of a caller takes `latency(k)` ms. */
function closedLoop(limit: AdaptiveLimit, scheduler: VirtualTimeScheduler, callers: number, rounds: number, latency: (round: number) => number) {
  for (let c = 0; c < callers; c++) {
    range(0, rounds)
      .pipe(concatMap((round) => limit.section(timer(latency(round), scheduler))))
      .subscribe();
  }
  scheduler.flush();
}

describe('AdaptiveLimit: the algorithms, step by step', () => {
  it("'aimd': one more after each window of ceil(limit) outcomes with half the limit in use; 0.9× at once on an overload, once a window", () => {
    const scheduler = new VirtualTimeScheduler();
    const limit = new AdaptiveLimit({ initial: 2, min: 1, max: 6, algorithm: 'aimd', scheduler });
    const seen: number[] = [];
    limit.limit$.subscribe((l) => seen.push(l));
    closedLoop(limit, scheduler, 4, 3, () => 10);
    // 12 outcomes: a window of 2 (→ 3), of 3 (→ 4), of 4 (→ 5); the last 3 do not fill a window of 5
    expect(seen).toEqual([2, 3, 4, 5]);
    // an overload: 5 × 0.9 = 4.5 → 4 at once; more in the same window (the responses already on
    // their way) change nothing (each would have cut it again: 4.05, then 3.6 → 3)
    for (let i = 0; i < 3; i++) limit.section(throwError(() => new TimeoutError())).subscribe({ error: () => undefined });
    expect(seen).toEqual([2, 3, 4, 5, 4]);
    // an error that is not an overload changes nothing either
    limit.section(throwError(() => new Error('bad request'))).subscribe({ error: () => undefined });
    expect(limit.limit).toBe(4);
  });

  it("'aimd': a limit nobody uses does not grow", () => {
    const scheduler = new VirtualTimeScheduler();
    const limit = new AdaptiveLimit({ initial: 10, algorithm: 'aimd', scheduler });
    closedLoop(limit, scheduler, 2, 5, () => 10);
    expect(limit.limit).toBe(10);
  });

  it("'gradient': follows a reference of Gradient2's formula — grows at a steady latency, falls when it climbs", () => {
    const scheduler = new VirtualTimeScheduler();
    const limit = new AdaptiveLimit({ initial: 4, min: 2, max: 60, scheduler });
    const seen: number[] = [];
    limit.limit$.subscribe((l) => seen.push(l));
    // more callers than the limit can reach: it is always in use; 30 rounds at 10 ms, then 40 ms
    const latency = (round: number) => (round < 30 ? 10 : 40);
    closedLoop(limit, scheduler, 100, 60, latency);
    expect(seen[0]).toBe(4);
    const peak = Math.max(...seen);
    expect(peak).toBeGreaterThan(4);
    // it falls once the latency climbs (and, as Gradient2 does, takes the new latency as the
    // baseline over the long average's window, so it grows again later)
    const afterPeak = seen.slice(seen.indexOf(peak));
    expect(Math.min(...afterPeak)).toBeLessThan(peak * 0.8);
    expect(seen.every((l) => l >= 2 && l <= 60)).toBe(true);
  });

  it("'gradient': with the limit always in use at a steady latency, the exact sequence of the reference (each window of ceil(L) outcomes: L ← L + √L / 2)", () => {
    const scheduler = new VirtualTimeScheduler();
    const limit = new AdaptiveLimit({ initial: 30, min: 1, max: 80, scheduler });
    const seen: number[] = [];
    limit.limit$.subscribe((l) => seen.push(l));
    closedLoop(limit, scheduler, 400, 5, () => 10);
    // the reference: the gradient is 1 (the latency never moves), so each full window of outcomes
    // gives L + √L / 2, taken at once, up to max; the limit is its floor
    const model: number[] = [30];
    let L = 30;
    let count = 0;
    for (let outcome = 0; outcome < 400 * 5 && L < 80; outcome++) {
      if (++count < Math.ceil(L)) continue;
      count = 0;
      L = Math.min(80, L + Math.sqrt(L) / 2);
      if (Math.floor(L) !== model.at(-1)) model.push(Math.floor(L));
    }
    expect(seen).toEqual(model);
    expect(seen.at(-1)).toBe(80);
  });

  it("'gradient': the exact sequence for a single caller whose calls take a fixed time (the reference model)", () => {
    // one caller at a time with limit 1..: inflight is 1 at each sample, so the limit grows only
    // while 1 ≥ limit / 2, i.e. up to 2; the model: L ← 0.8 L + 0.2 (L·g + √L), g = min(1, 1.5·long/rtt) = 1
    const scheduler = new VirtualTimeScheduler();
    const limit = new AdaptiveLimit({ initial: 1, min: 1, max: 10, scheduler });
    const seen: number[] = [];
    limit.limit$.subscribe((l) => seen.push(l));
    closedLoop(limit, scheduler, 1, 12, () => 10);
    let model = 1;
    const expected = [1];
    for (let i = 0; i < 12; i++) {
      if (1 < model / 2) continue;
      model = 0.8 * model + 0.2 * (model + Math.sqrt(model));
      model = Math.min(10, Math.max(1, model));
      if (Math.floor(model) !== expected.at(-1)) expected.push(Math.floor(model));
    }
    expect(seen).toEqual(expected);
    expect(seen).toEqual([1, 2]);
  });
});

describe('AdaptiveLimit: back-off that every stream obeys', () => {
  it('pause(ms) grants nothing new to any stream until then; the waiters resume in FIFO order; holders run on', () => {
    const scheduler = new VirtualTimeScheduler();
    const limit = new AdaptiveLimit({ initial: 2, max: 2, algorithm: 'aimd', scheduler });
    const log: string[] = [];
    const holder = new Subject<void>();
    limit.section(holder).subscribe({ complete: () => log.push(`holder done ${scheduler.now()}`) });
    limit.pause(100);
    for (const name of ['a', 'b', 'c']) {
      limit.section(defer(() => (log.push(`${name} ${scheduler.now()}`), timer(5, scheduler)))).subscribe();
    }
    scheduler.schedule(() => holder.complete(), 50);
    scheduler.flush();
    expect(log).toEqual(['holder done 50', 'a 100', 'b 100', 'c 105']);
  });

  it('an overload that carries Retry-After pauses the limit for every stream (default retryAfter reads its headers)', () => {
    const scheduler = new VirtualTimeScheduler();
    const limit = new AdaptiveLimit({ initial: 4, algorithm: 'aimd', scheduler });
    const starts: number[] = [];
    const overloaded = Object.assign(new Error('Too Many Requests'), { status: 429, headers: new Headers({ 'Retry-After': '2' }) });
    limit.section(timer(10, scheduler).pipe(map(() => { throw overloaded; }))).subscribe({ error: () => undefined });
    // another stream's sections, asked for at 20 ms and later
    scheduler.schedule(() => {
      for (let i = 0; i < 3; i++) limit.section(defer(() => (starts.push(scheduler.now()), of(i)))).subscribe();
    }, 20);
    scheduler.flush();
    expect(starts).toEqual([2010, 2010, 2010]);
    expect(limit.limit).toBe(3); // 4 × 0.9
  });

  it('the pause with a real 429 from a loopback HTTP server: no request reaches it until Retry-After has passed', async () => {
    const arrivals: number[] = [];
    let first = true;
    const server = createServer((_req, res) => {
      arrivals.push(Date.now());
      if (first) {
        first = false;
        res.writeHead(429, { 'Retry-After': '1' }).end();
      } else res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const limit = new AdaptiveLimit({ initial: 4, algorithm: 'aimd' });
    const get = () =>
      defer(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status, headers: response.headers });
        return response.text();
      });
    try {
      const failed = await lastValueFrom(limit.section(get())).catch((e: { status: number }) => e.status);
      expect(failed).toBe(429);
      const t = Date.now();
      // two streams share the limit: both wait out the pause
      const results = await lastValueFrom(merge(range(0, 3).pipe(semaphoreMap(limit, () => get())), limit.section(get())).pipe(toArray()));
      expect(results).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(Math.min(...arrivals.slice(1)) - arrivals[0]!).toBeGreaterThanOrEqual(950);
      expect(Date.now() - t).toBeGreaterThanOrEqual(900);
    } finally {
      server.close();
    }
  });
});

describe('AdaptiveLimit: invariants under random schedules (fast-check, virtual time)', () => {
  type Op = { kind: 'section'; weight: number; ms: number; fail: 'no' | 'overload' | 'other' } | { kind: 'cancel'; index: number } | { kind: 'pause'; ms: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('section' as const), weight: fc.integer({ min: 1, max: 2 }), ms: fc.integer({ min: 0, max: 30 }), fail: fc.constantFrom('no' as const, 'no' as const, 'overload' as const, 'other' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), index: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 1, max: 50 }) }) },
  );

  it('the limit stays in [min, max]; no grant takes the weight held above the limit; nothing is granted while paused; a holder is never cut short', () => {
    fc.assert(
      fc.property(fc.constantFrom('aimd' as const, 'gradient' as const), fc.integer({ min: 2, max: 4 }), fc.array(fc.tuple(op, fc.integer({ min: 0, max: 10 })), { maxLength: 40 }), (algorithm, min, ops) => {
        const scheduler = new VirtualTimeScheduler();
        const limit = new AdaptiveLimit({ initial: min, min, max: min + 4, algorithm, scheduler });
        let inside = 0;
        let pausedUntil = -Infinity;
        const subs: { unsubscribe(): void }[] = [];
        const cut: string[] = [];
        limit.limit$.subscribe((l) => expect(l >= min && l <= min + 4, `limit ${l}`).toBe(true));
        let at = 0;
        for (const [o, gap] of ops) {
          at += gap;
          scheduler.schedule(() => {
            if (o.kind === 'pause') {
              limit.pause(o.ms);
              pausedUntil = Math.max(pausedUntil, scheduler.now() + o.ms);
            } else if (o.kind === 'cancel') subs[o.index % Math.max(1, subs.length)]?.unsubscribe();
            else {
              const body = new Observable<number>((subscriber) => {
                inside += o.weight;
                expect(inside, 'held above the limit at a grant').toBeLessThanOrEqual(limit.limit);
                expect(scheduler.now() >= pausedUntil, 'granted while paused').toBe(true);
                let done = false;
                const timerSub = timer(o.ms, scheduler).subscribe(() => {
                  done = true;
                  if (o.fail === 'overload') subscriber.error(new TimeoutError());
                  else if (o.fail === 'other') subscriber.error(new Error('x'));
                  else subscriber.complete();
                });
                return () => {
                  inside -= o.weight;
                  if (!done && !cancelled) cut.push('cut');
                  timerSub.unsubscribe();
                };
              });
              let cancelled = false;
              const sub = limit.section(body, Math.min(o.weight, min)).subscribe({ error: () => undefined });
              subs.push({ unsubscribe: () => ((cancelled = true), sub.unsubscribe()) });
            }
          }, at);
        }
        scheduler.flush();
        expect(cut).toEqual([]);
        // every section that was not cancelled has ended: nothing is held, nothing waits
        expect(limit.waiting).toBe(0);
        expect(limit.inUse).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('AdaptiveLimit composed', () => {
  it('keeps the Observable contract under semaphoreMap (the contract checker)', () => {
    checkOperatorContract(({ inner }) => semaphoreMap(new AdaptiveLimit({ initial: 2, min: 1, max: 4, algorithm: 'aimd' }), inner), { numRuns: RUNS });
  });

  it('inside concatMap, switchMap, exhaustMap; under repeat; take(1) of an endless synchronous source', async () => {
    const limit = new AdaptiveLimit({ initial: 1 });
    expect(await lastValueFrom(limit.section(of(1)).pipe(repeat(3), toArray()))).toEqual([1, 1, 1]);
    expect(await lastValueFrom(of(1, 2).pipe(concatMap((x) => limit.section(of(x))), toArray()))).toEqual([1, 2]);
    expect(await lastValueFrom(of(1, 2).pipe(switchMap((x) => limit.section(of(x))), toArray()))).toEqual([1, 2]);
    expect(await lastValueFrom(of(1, 2).pipe(exhaustMap((x) => limit.section(of(x))), toArray()))).toEqual([1, 2]);
    const { endless, pulled } = endlessSource();
    expect(await lastValueFrom(limit.section(endless).pipe(take(1)))).toBe(0);
    expect(pulled()).toBe(1);
    expect(limit.inUse).toBe(0);
    expect(await lastValueFrom(from([1, 2, 3]).pipe(semaphoreMap(limit, (x) => of(x * 2)), toArray()))).toEqual([2, 4, 6]);
  });

  it('checks its arguments', () => {
    expect(() => new AdaptiveLimit(null as never)).toThrow(TypeError);
    expect(() => new AdaptiveLimit({ initial: 0 })).toThrow(/AdaptiveLimit: options\.initial/);
    expect(() => new AdaptiveLimit({ initial: 5, min: 2, max: 4 })).toThrow(RangeError);
    expect(() => new AdaptiveLimit({ initial: 2, min: 3 })).toThrow(/options\.initial/);
    expect(() => new AdaptiveLimit({ initial: 2, algorithm: 'vegas' as never })).toThrow(/options\.algorithm/);
    expect(() => new AdaptiveLimit({ initial: 2, isOverload: 1 as never })).toThrow(/options\.isOverload/);
    const limit = new AdaptiveLimit({ initial: 2, min: 2 });
    expect(() => limit.section(of(1), 3)).toThrow(/AdaptiveLimit\.section: weight/);
    expect(() => limit.pause(-1)).toThrow(/AdaptiveLimit\.pause: ms/);
  });
});
