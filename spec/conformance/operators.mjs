// Conformance: the operators and the section family, as a user calls them from the packed package.
// Runs on every runtime of the suite (spec/runtimes.spec.ts); prints `operators ok` at the end.
import assert from 'node:assert/strict';
import { EMPTY, NEVER, TimeoutError, concatMap, defer, finalize, from, interval, lastValueFrom, map, of, range, repeat, take, throwError, timer, toArray } from 'rxjs';
import {
  AdaptiveLimit, KeyedRateLimiter, KeyedSemaphore, Lock, RateLimiter, Semaphore, fromAbortable, gatherSettled, lockedSection, mergeAsCompleted, raceFirst, rateLimitMap, semaphoreMap, takeUntilAborted, timeoutWith, finalizeWith, cleanups,
} from 'rxjs-concurrency';

// raceFirst: the loser is torn down before the winner's value; all fail → AggregateError
const torn = [];
const winner = await lastValueFrom(raceFirst([timer(30).pipe(map(() => 'slow'), finalize(() => torn.push('slow'))), timer(5).pipe(map(() => 'fast'))]));
assert.equal(winner, 'fast');
assert.deepEqual(torn, ['slow']);
const all = await lastValueFrom(raceFirst([throwError(() => new Error('a')), EMPTY])).catch((e) => e);
assert.ok(all instanceof AggregateError);
assert.equal(all.errors.length, 2);

// mergeAsCompleted: completion order, concurrency; gatherSettled: input order, never errors
const order = await lastValueFrom(mergeAsCompleted([timer(20).pipe(map(() => 'a')), timer(5).pipe(map(() => 'b'))]).pipe(toArray()));
assert.deepEqual(order, [{ index: 1, value: 'b' }, { index: 0, value: 'a' }]);
const settled = await lastValueFrom(gatherSettled([of(1), throwError(() => new RangeError('no')), Promise.resolve(3)]));
assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
assert.equal(settled[1].reason.name, 'RangeError');

// timeoutWith: the whole source, a fallback, rxjs's TimeoutError
assert.equal(await lastValueFrom(NEVER.pipe(timeoutWith(10, of('fallback')))), 'fallback');
assert.ok((await lastValueFrom(NEVER.pipe(timeoutWith(10))).catch((e) => e)) instanceof TimeoutError);

// semaphoreMap: at most 2 at once, composed under concatMap and repeat
let active = 0;
let most = 0;
const job = (i) => defer(() => (active++, (most = Math.max(most, active)), timer(5))).pipe(map(() => i), finalize(() => active--));
const mapped = await lastValueFrom(range(0, 8).pipe(semaphoreMap(2, job), toArray()));
assert.equal(mapped.length, 8);
assert.equal(most, 2);
const quota = new Semaphore(2);
const composed = await lastValueFrom(of(1, 2).pipe(concatMap((n) => of(n, n * 10).pipe(semaphoreMap(quota, (v) => timer(1).pipe(map(() => v))))), repeat(2), toArray()));
assert.deepEqual(composed.sort((a, b) => a - b), [1, 1, 2, 2, 10, 10, 20, 20]);
assert.equal(quota.available, 2);
// take(1) of an endless synchronous source inside a section
assert.deepEqual(await lastValueFrom(quota.section(interval(0).pipe(map((i) => i))).pipe(take(1), toArray())), [0]);
assert.deepEqual(await lastValueFrom(new Lock().section(range(0, Number.MAX_SAFE_INTEGER)).pipe(take(1), toArray())), [0]);

// KeyedSemaphore: the keys take turns (the quiet key is not served after every noisy call)
const keyed = new KeyedSemaphore({ permits: 1 });
const turns = await lastValueFrom(
  of('n', 'n', 'n', 'n', 'q', 'q').pipe(semaphoreMap(keyed, (k) => timer(1).pipe(map(() => k)), { key: (k) => k }), toArray()),
);
assert.deepEqual(turns, ['n', 'n', 'q', 'n', 'q', 'n']);
assert.equal(keyed.keys, 0);

// rateLimitMap: 3 per 60 ms, the fourth waits for the window
const limiter = new RateLimiter({ limit: 3, interval: 60 });
const t0 = performance.now();
const starts = await lastValueFrom(range(0, 4).pipe(rateLimitMap(limiter, () => of(performance.now() - t0)), toArray()));
assert.ok(starts[2] < 40, `three start at once (${starts})`);
assert.ok(starts[3] >= 55, `the fourth waits for the window (${starts})`);

// KeyedRateLimiter: each key its own window (1 per 60 ms); another key does not wait for it
const perKey = new KeyedRateLimiter({ perKey: { limit: 1, interval: 60 } });
const k0 = performance.now();
const keyedStarts = await lastValueFrom(of('a', 'a', 'b').pipe(rateLimitMap(perKey, (k) => of([k, performance.now() - k0]), { key: (k) => k }), toArray()));
const startOf = (k, n) => keyedStarts.filter(([key]) => key === k)[n][1];
assert.ok(startOf('b', 0) < 40, `b does not wait for a's window (${keyedStarts})`);
assert.ok(startOf('a', 1) >= 55, `a's second waits for its window (${keyedStarts})`);

// several windows at once: 2 per 40 ms and 3 per 400 ms — the fourth waits for the long window
const windows = new RateLimiter({ windows: [{ limit: 2, interval: 40 }, { limit: 3, interval: 400 }] });
const w0 = performance.now();
const windowStarts = await lastValueFrom(range(0, 4).pipe(rateLimitMap(windows, () => of(performance.now() - w0)), toArray()));
assert.ok(windowStarts[2] >= 35 && windowStarts[2] < 300, `the third waits for the short window (${windowStarts})`);
assert.ok(windowStarts[3] >= 390, `the fourth waits for the long window (${windowStarts})`);

// lockedSection: one at a time, in the order of the values
const lock = new Lock();
const log = [];
await lastValueFrom(of(1, 2, 3).pipe(lockedSection(lock, (v) => defer(() => (log.push(`in ${v}`), timer(3 - v))).pipe(finalize(() => log.push(`out ${v}`)))), toArray()));
assert.deepEqual(log, ['in 1', 'out 1', 'in 2', 'out 2', 'in 3', 'out 3']);
assert.equal(lock.locked, false);

// fromAbortable / takeUntilAborted: unsubscribing aborts; an outside abort completes
let aborted = false;
const sub = fromAbortable((signal) => new Promise((resolve) => signal.addEventListener('abort', () => ((aborted = true), resolve(0))))).subscribe();
sub.unsubscribe();
assert.equal(aborted, true);
const controller = new AbortController();
setTimeout(() => controller.abort(), 5);
assert.deepEqual(await lastValueFrom(interval(1).pipe(takeUntilAborted(controller.signal), toArray())).then((v) => v.length > 0), true);

// finalizeWith: an asynchronous cleanup tracked until it settles
let cleaned = '';
of(1).pipe(finalizeWith(async (reason) => { await new Promise((r) => setTimeout(r, 5)); cleaned = reason; })).subscribe();
await cleanups.settled(1000);
assert.equal(cleaned, 'complete');

// AdaptiveLimit: never more than its limit at once (composed under concatMap and repeat); an
// overload (a 503) lowers the limit; a 429 with Retry-After pauses every stream, then FIFO
const adaptive = new AdaptiveLimit({ initial: 3, max: 3, algorithm: 'aimd' });
let inAdaptive = 0;
let mostAdaptive = 0;
const call = (v) => defer(() => (inAdaptive++, (mostAdaptive = Math.max(mostAdaptive, inAdaptive)), timer(2))).pipe(map(() => v), finalize(() => inAdaptive--));
const adaptiveOut = await lastValueFrom(of(1, 2).pipe(concatMap((n) => range(0, 6).pipe(semaphoreMap(adaptive, (i) => call(n * 10 + i)))), repeat(2), toArray()));
assert.equal(adaptiveOut.length, 24);
assert.equal(mostAdaptive, 3);
const unavailable = await lastValueFrom(adaptive.section(throwError(() => Object.assign(new Error('busy'), { status: 503 })))).catch((e) => e);
assert.equal(unavailable.status, 503, 'the overload reaches its subscriber unchanged');
assert.equal(adaptive.limit, 2, '0.9 of 3, floored');
const pausedAt = Date.now();
await lastValueFrom(adaptive.section(throwError(() => Object.assign(new Error('slow down'), { status: 429, headers: new Headers({ 'retry-after': '0.05' }) })))).catch(() => undefined);
const resumed = await lastValueFrom(range(0, 3).pipe(semaphoreMap(adaptive, (i) => defer(async () => [i, Date.now() - pausedAt])), toArray()));
assert.deepEqual(resumed.map(([i]) => i), [0, 1, 2]);
assert.ok(Math.min(...resumed.map(([, t]) => t)) >= 45, `every stream waited out Retry-After (${resumed.map(([, t]) => t)})`);
assert.equal(adaptive.inUse, 0);

// arguments are checked at the call
assert.throws(() => new AdaptiveLimit({ initial: 0 }), RangeError);
assert.throws(() => semaphoreMap(0, of), RangeError);
assert.throws(() => new Semaphore(1.5), RangeError);

console.log('operators ok');
