// docs/RateLimiter.md, "Nesting a rate limit and a concurrency limit": 10 calls through a
// RateLimiter (5 per second) and a Semaphore(2) that other streams of the app share, nested both
// ways, in virtual time. When the calls start, the app's two other calls hold the quota for 900 ms;
// each of ours takes 100 ms at the server. Prints, for each nesting, the most calls that reached the
// server within any one second. Run by spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { asyncScheduler, defer, map, range, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { RateLimiter, Semaphore, rateLimitMap, semaphoreMap } from 'rxjs-concurrency';

/** The most starts within any window of `interval` ms. */
const busiest = (starts: number[], interval: number) => Math.max(...starts.map((s) => starts.filter((t) => t >= s && t < s + interval).length));

function measure(nesting: 'rate outside' | 'semaphore outside'): number {
  const starts: number[] = [];
  // TestScheduler.run makes asyncScheduler (the default of timer and RateLimiter) virtual
  new TestScheduler(assert.deepEqual).run(({ flush }) => {
    const call = () => defer(() => (starts.push(asyncScheduler.now()), timer(100))).pipe(map(() => 'ok'));
    // docs: begin
    const api = new RateLimiter({ limit: 5, interval: 1000 });
    const quota = new Semaphore(2); // shared: the app's other calls hold it for a while
    quota.section(timer(900)).subscribe();
    quota.section(timer(900)).subscribe();
    // wrong way round: the window counts a call when the rate limiter starts its section, but the
    // call then waits for a permit and reaches the server later, beside the next window's calls
    const rateOutside = range(0, 10).pipe(rateLimitMap(api, () => quota.section(call())));
    // right way round: the permit first, then the rate section, which starts with the call itself
    const semaphoreOutside = range(0, 10).pipe(semaphoreMap(quota, () => api.section(call())));
    // docs: end
    (nesting === 'rate outside' ? rateOutside : semaphoreOutside).subscribe();
    flush();
  });
  return busiest(starts, 1000);
}

const wrong = measure('rate outside');
const right = measure('semaphore outside');
assert.ok(wrong > 5, `the wrong nesting lets more than 5 calls a second reach the server (${wrong})`);
assert.ok(right <= 5, `the right nesting keeps the rate (${right})`);
console.log(`rate outside: ${wrong} calls within one second; semaphore outside: ${right}`);
