// docs/semaphoreMap.md: two streams share one Semaphore(3). Run by spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { lastValueFrom, range, timer } from 'rxjs';
import { Semaphore, semaphoreMap } from 'rxjs-concurrency';
import { fakeHttp } from './support/http.js';

const { http, stats } = fakeHttp();
const userIds$ = range(1, 6);
const orderIds$ = range(1, 6);
const shown: string[] = [];
const show = (item: string) => shown.push(item);

// docs: begin
const quota = new Semaphore(3);
userIds$.pipe(semaphoreMap(quota, (id) => http.get(`/users/${id}`))).subscribe(show);
orderIds$.pipe(semaphoreMap(quota, (id) => http.get(`/orders/${id}`))).subscribe(show);
// never more than three calls in flight across both streams
// docs: end

await lastValueFrom(timer(100));
assert.equal(shown.length, 12);
assert.equal(stats.most, 3);
console.log(`${shown.length} responses, at most ${stats.most} in flight`);
