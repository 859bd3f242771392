// The section family as it ships: the build renames the members its classes share (queue links,
// gate methods) in every file, so this runs Semaphore, Lock, RateLimiter and their operators from
// the packed package, ESM and CommonJS, through the paths that cross those files.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { EMPTY, Observable, defer, firstValueFrom, from, interval, lastValueFrom, map, of, take, timer, toArray } from 'rxjs';

const esm = await import('rxjs-concurrency');
const cjs = createRequire(import.meta.url)('rxjs-concurrency');

async function check({ Semaphore, Lock, lockedSection, semaphoreMap, RateLimiter, rateLimitMap }) {
  // weights, FIFO, available$, a factory's lease, a waiter cancelled
  const sem = new Semaphore(3);
  const shown = [];
  sem.available$.subscribe((n) => shown.push(n));
  const lease = [];
  const heavy = sem.section((l) => (lease.push(l.token, l.signal.aborted), timer(5).pipe(map(() => 'heavy'))), 2);
  const light = sem.section(timer(2).pipe(map(() => 'light')));
  const both = lastValueFrom(from([heavy, light]).pipe(semaphoreMap(Infinity, (o) => o), toArray()));
  const waiter = sem.section(of('waiter')).subscribe({ next: () => assert.fail('a cancelled waiter ran') });
  const cancelled = sem.section(of('cancelled'), 3).subscribe({ next: () => assert.fail('a cancelled waiter ran') });
  assert.equal(sem.waiting, 2);
  cancelled.unsubscribe();
  waiter.unsubscribe();
  assert.deepEqual(await both, ['light', 'heavy']);
  assert.deepEqual(lease, [1, false]);
  assert.equal(sem.available, 3);
  assert.equal(shown.at(-1), 3);

  // resize: a waiter heavier than the new capacity errors; growing serves the queue
  const small = new Semaphore(2);
  const hold = small.section(timer(5)).subscribe();
  const hopeless = firstValueFrom(small.section(of(1), 2)).catch((e) => e);
  small.resize(1);
  assert.ok((await hopeless) instanceof RangeError);
  hold.unsubscribe();
  small.resize(3);
  assert.deepEqual(await lastValueFrom(small.section(of(1, 2), 3).pipe(toArray())), [1, 2]);

  // Lock and lockedSection: one at a time, in order; a synchronous endless source under take(1)
  const lock = new Lock();
  let inside = 0;
  let most = 0;
  const body = (x) => defer(() => (most = Math.max(most, ++inside), timer(1).pipe(map(() => (inside--, x)))));
  assert.deepEqual(await lastValueFrom(of(1, 2, 3).pipe(lockedSection(lock, body), toArray())), [1, 2, 3]);
  assert.equal(most, 1);
  assert.equal(lock.locked, false);
  assert.deepEqual(await lastValueFrom(timer(1).pipe(lockedSection(lock), toArray())), [0]);
  const endless = new Observable((s) => { for (let i = 0; !s.closed; i++) s.next(i); });
  assert.deepEqual(await lastValueFrom(endless.pipe(semaphoreMap(2, (x) => of(x)), take(1), toArray())), [0]);
  assert.deepEqual(await lastValueFrom(endless.pipe(lockedSection(lock, (x) => of(x)), take(1), toArray())), [0]);

  // semaphoreMap: at most 2 at once, weights, an inner error cancels the rest
  let running = 0;
  let peak = 0;
  const inner = (x) => defer(() => (peak = Math.max(peak, ++running), timer(2).pipe(map(() => (running--, x)))));
  assert.deepEqual((await lastValueFrom(of(1, 2, 3, 4).pipe(semaphoreMap(2, inner), toArray()))).sort(), [1, 2, 3, 4]);
  assert.equal(peak, 2);
  const shared = new Semaphore(2);
  assert.equal((await lastValueFrom(of(1, 2).pipe(semaphoreMap(shared, inner, { weight: () => 2 }), toArray()))).length, 2);
  await assert.rejects(lastValueFrom(of(1, 2).pipe(semaphoreMap(1, (x) => (x === 1 ? defer(() => Promise.reject(new Error('boom'))) : EMPTY)))), /boom/);
  assert.equal(shared.available, 2);

  // RateLimiter and rateLimitMap: 2 per 20 ms, shared and private, with a concurrency cap
  const rate = new RateLimiter({ limit: 2, interval: 20 });
  const started = [];
  const t0 = Date.now();
  await lastValueFrom(of(1, 2, 3).pipe(rateLimitMap(rate, (x) => defer(() => (started.push(Date.now() - t0), of(x))))));
  assert.ok(started[2] >= 15, `the third start waited for the window: ${started}`);
  assert.deepEqual(await lastValueFrom(interval(1).pipe(take(3), rateLimitMap({ limit: 5, interval: 10 }, (x) => of(x), { concurrency: 1 }), toArray())), [0, 1, 2]);
  assert.deepEqual(await lastValueFrom(rate.section(of('after'), 2).pipe(toArray())), ['after']);
  assert.equal(rate.waiting, 0);
}

await check(esm);
await check(cjs);
console.log('sections ok esm cjs');
