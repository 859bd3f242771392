// docs/Semaphore.md: one quota for the whole app, watched through available$. Run by
// spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { lastValueFrom, range, timer } from 'rxjs';
import { fakeHttp } from './support/http.js';

const { http, stats } = fakeHttp();
const ids$ = range(1, 8);
const shown: string[] = [];
const show = (item: string) => shown.push(item);
const spinner = { busy: false };

// docs: begin
import { Semaphore, semaphoreMap } from 'rxjs-concurrency';

export const apiQuota = new Semaphore(3);          // one quota for the whole app
apiQuota.section(http.get('/report')).subscribe(show);
ids$.pipe(semaphoreMap(apiQuota, (id) => http.get(`/item/${id}`))).subscribe(show);
apiQuota.available$.subscribe((free) => (spinner.busy = free < 3));
// docs: end

assert.equal(spinner.busy, true);
await lastValueFrom(timer(100));
assert.equal(shown.length, 9);
assert.equal(stats.most, 3);
assert.equal(spinner.busy, false);
console.log(`${shown.length} responses, at most ${stats.most} at once`);
