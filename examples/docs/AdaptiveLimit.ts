// docs/AdaptiveLimit.md: a limit that finds the backend's capacity, and a 429 that pauses every
// stream. The backend is simulated here: up to 4 calls at once take 10 ms, more queue behind them.
// Run by spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { concat, defer, interval, lastValueFrom, range, take, timer, toArray } from 'rxjs';

let inFlight = 0;
let most = 0;
const backend = {
  // a call's latency grows once more than 4 are in flight: what the limit reads
  post: (_order: number) =>
    defer(async () => {
      most = Math.max(most, ++inFlight);
      await lastValueFrom(timer(10 * Math.ceil(inFlight / 4)));
      inFlight--;
      return 'ok';
    }),
};
// a trickle first (one at a time: the limit learns the backend's latency without load), then a burst
const orders$ = concat(interval(12).pipe(take(20)), range(20, 400));
const limits: number[] = [];

// docs: begin
import { AdaptiveLimit, semaphoreMap } from 'rxjs-concurrency';

const upstream = new AdaptiveLimit({ initial: 16, min: 1, max: 64 }); // 'gradient': follows the latency
upstream.limit$.subscribe((limit) => limits.push(limit));
const confirmed = await lastValueFrom(orders$.pipe(semaphoreMap(upstream, (order) => backend.post(order)), toArray()));
// docs: end

assert.equal(confirmed.length, 420);
// it came down from 16 toward what the backend serves without queueing (4, plus a small allowance)
const learned = upstream.limit;
assert.ok(learned < 16 && learned >= 4, `limit ${learned}`);

// a 429 with Retry-After pauses every stream that shares the limit
const starts: number[] = [];
const t0 = Date.now();
// docs: begin
const tooMany = Object.assign(new Error('Too Many Requests'), { status: 429, headers: new Headers({ 'retry-after': '1' }) });
await lastValueFrom(upstream.section(defer(async () => { throw tooMany; }))).catch((e) => e); // one call gets a 429
// every stream's next calls wait out the Retry-After (1 s), then go on in FIFO order
await lastValueFrom(range(0, 3).pipe(semaphoreMap(upstream, () => defer(async () => starts.push(Date.now() - t0)))));
// docs: end
assert.ok(Math.min(...starts) >= 950, `the others waited out Retry-After: ${starts}`);
// (at least the second, however late a busy machine's timers fire: printed in whole seconds)
// (the limit learnt from the burst: the 429 lowers it again, by the overload factor)
console.log(`limit ${limits[0]} → ${learned} (${limits.length - 1} changes); after the 429 the next calls waited ${Math.floor(Math.min(...starts) / 1000 + 0.05)} s`);
