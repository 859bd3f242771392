// docs/RateLimiter.md: one RateLimiter shared by two streams and a costly section; no second holds
// more than 5 starts. Run by spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { lastValueFrom, merge, of, range, timer } from 'rxjs';
import { fakeHttp } from './support/http.js';

const { http, stats } = fakeHttp(20);
const starts = stats.starts;
const users$ = range(1, 4);
const orders$ = range(1, 4);
const shown: string[] = [];
const showUser = (u: string) => shown.push(u);
const showOrder = showUser;
const render = showUser;

// docs: begin
import { RateLimiter, rateLimitMap } from 'rxjs-concurrency';

// the API allows 5 calls per second, whichever part of the app makes them
export const api = new RateLimiter({ limit: 5, interval: 1000 });

users$.pipe(rateLimitMap(api, (id) => http.get(`/users/${id}`))).subscribe(showUser);
orders$.pipe(rateLimitMap(api, (id) => http.get(`/orders/${id}`), { concurrency: 3 })).subscribe(showOrder);
api.section(http.get('/report'), 2).subscribe(render); // a report costs two calls
// docs: end

// 4 + 4 calls and a report costing 2: 10 in all, so the last ones start in the second window
await lastValueFrom(merge(of(0), timer(1100)));
for (let i = 0; i < starts.length; i++) {
  const within = starts.filter((s) => s >= starts[i]! && s < starts[i]! + 990).length;
  assert.ok(within <= 5, `at most 5 started within a second (${starts.map(Math.round)})`);
}
await lastValueFrom(timer(200));
assert.equal(shown.length, 9);
console.log(`${shown.length} responses, ${starts.length} starts`);
