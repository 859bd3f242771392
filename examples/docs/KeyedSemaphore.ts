// docs/KeyedSemaphore.md: one tenant queues 40 calls, two others 3 each, through the same limit of
// 2 calls at once. With a KeyedSemaphore the small tenants are done after a few of the big one's
// calls; with one shared Semaphore they wait behind all 40. Run by spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { defer, lastValueFrom, map, merge, timer, toArray } from 'rxjs';
import { Semaphore } from 'rxjs-concurrency';

interface Request {
  readonly tenant: string;
  readonly n: number;
}
const requests: Request[] = [
  ...Array.from({ length: 40 }, (_, n) => ({ tenant: 'big', n })),
  ...['small-1', 'small-2'].flatMap((tenant) => Array.from({ length: 3 }, (_, n) => ({ tenant, n }))),
];
const done: string[] = [];
/** Stands for the upstream call: 5 ms, then the order of completion is noted. */
const callUpstream = (r: Request) => defer(() => timer(5)).pipe(map(() => (done.push(r.tenant), r)));
const requests$ = merge(...requests.map((r) => [r]));

// docs: begin
import { KeyedSemaphore, semaphoreMap } from 'rxjs-concurrency';

// at most 2 upstream calls at once in all; the tenants take turns for them
const upstream = new KeyedSemaphore<string>({ permits: 2 });
const served$ = requests$.pipe(semaphoreMap(upstream, (r) => callUpstream(r), { key: (r) => r.tenant }));
// docs: end

/** How many of the big tenant's calls finished before the small tenants' last one. */
const bigBeforeSmall = () => done.slice(0, done.lastIndexOf('small-2') + 1).filter((t) => t === 'big').length;
await lastValueFrom(served$.pipe(toArray()));
const keyed = bigBeforeSmall();
done.length = 0;
await lastValueFrom(requests$.pipe(semaphoreMap(new Semaphore(2), (r) => callUpstream(r)), toArray()));
const fifo = bigBeforeSmall();
assert.ok(keyed <= 5, `keyed: the small tenants are done after ${keyed} of the big one's calls`);
assert.equal(fifo, 40);
console.log(`small tenants done after ${keyed} of the big tenant's calls (one shared Semaphore: after all ${fifo})`);
