// docs/redis.md: a quota and a lock across processes. Run by spec/snippets.spec.ts against a real
// redis-server (REDIS_URL); three replicas of this file share the quota there.
import assert from 'node:assert/strict';
import { defer, finalize, from, lastValueFrom, map, mergeMap, of, range, timer } from 'rxjs';

let inFlight = 0;
let most = 0;
const fetchItem = (id: number) => defer(() => ((most = Math.max(most, ++inFlight)), timer(10).pipe(map(() => id)))).pipe(finalize(() => inFlight--));
const ids$ = range(1, 6);
const saved: number[] = [];
const save = (item: number) => saved.push(item);
const trigger$ = of('nightly');
let reports = 0;
const buildReport = () => defer(async () => ++reports);
// the keyed block's requests: one tenant's many, another's few
const requests$ = from([...Array.from({ length: 6 }, () => ({ tenant: 'big', id: 1 })), { tenant: 'small', id: 2 }, { tenant: 'small', id: 3 }]);
let calls = 0;
const callUpstream = (request: { tenant: string; id: number }) => defer(async () => (calls++, request.id));
const answered: number[] = [];
const answer = (id: number) => answered.push(id);

// docs: begin
import { Redis } from 'ioredis';
import { semaphoreMap, lockedSection } from 'rxjs-concurrency';
import { RedisSemaphore, RedisLock, LeaseLostError } from 'rxjs-concurrency/redis';

const redis = new Redis(process.env.REDIS_URL!);
const quota = new RedisSemaphore(redis, 'api-quota', { permits: 3, lease: 10_000 });
ids$.pipe(semaphoreMap(quota, (id) => fetchItem(id))).subscribe(save);   // ≤ 3 in flight across every replica
trigger$.pipe(lockedSection(new RedisLock(redis, 'nightly-report'), () => buildReport())).subscribe();
// docs: end

// the rate limiter of the page's second block
// docs: begin
const partner = new RedisRateLimiter(redis, 'partner-api', { limit: 10, interval: 1000 });
ids$.pipe(mergeMap((id) => partner.section(defer(() => fetchItem(id))))).subscribe(save);   // ≤ 10/s across replicas
// docs: end
import { RedisRateLimiter } from 'rxjs-concurrency/redis';

// the keyed limits of the page's third block
// docs: begin
import { rateLimitMap } from 'rxjs-concurrency';
import { RedisKeyedSemaphore, RedisKeyedRateLimiter } from 'rxjs-concurrency/redis';

// 8 calls at once across every replica, at most 2 per tenant, the waiting tenants taking turns
const upstream = new RedisKeyedSemaphore(redis, 'upstream', { permits: 8, perKey: 2 });
requests$.pipe(semaphoreMap(upstream, (r) => callUpstream(r), { key: (r) => r.tenant })).subscribe(answer);
// each tenant 5 calls per second, 20 per second in all, across every replica
const partnerPerTenant = new RedisKeyedRateLimiter(redis, 'partner-api-tenants', {
  perKey: { limit: 5, interval: 1000 },
  global: { limit: 20, interval: 1000 },
});
requests$.pipe(rateLimitMap(partnerPerTenant, (r) => callUpstream(r), { key: (r) => r.tenant })).subscribe(answer);
// docs: end

const deadline = Date.now() + 10_000;
while (saved.length < 12 || reports < 1 || answered.length < 16) {
  assert.ok(Date.now() < deadline, `done: ${saved.length} saved, ${reports} reports, ${answered.length} answered`);
  await lastValueFrom(timer(20));
}
assert.ok(most <= 3 + 6, 'the quota held this process to 3, the rate limiter added at most 6');
assert.equal(LeaseLostError.name, 'LeaseLostError');
await redis.quit();
assert.equal(calls, 16);
console.log(`saved ${saved.length}, reports ${reports}, answered ${answered.length}`);
