// Conformance: rxjs-concurrency/redis against the redis-server on the port in argv, with two clients
// (two "processes" sharing the name). Prints `redis ok`.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { defer, finalize, lastValueFrom, map, merge, range, timer, toArray } from 'rxjs';
import { semaphoreMap } from 'rxjs-concurrency';
import { RedisKeyedRateLimiter, RedisKeyedSemaphore, RedisLock, RedisRateLimiter, RedisSemaphore } from 'rxjs-concurrency/redis';

const port = Number(process.argv.at(-1));
const name = `conformance-${Math.random().toString(36).slice(2)}`;
const clients = [new Redis({ port, host: '127.0.0.1' }), new Redis({ port, host: '127.0.0.1' })];
try {
  let active = 0;
  let most = 0;
  const job = (i) => defer(() => (active++, (most = Math.max(most, active)), timer(10))).pipe(map(() => i), finalize(() => active--));
  const [a, b] = clients.map((c) => new RedisSemaphore(c, `${name}-sem`, { permits: 2 }));
  const done = await lastValueFrom(merge(range(0, 5).pipe(semaphoreMap(a, job)), range(5, 5).pipe(semaphoreMap(b, job))).pipe(toArray()));
  assert.equal(done.length, 10);
  assert.equal(most, 2);

  const log = [];
  const locks = clients.map((c) => new RedisLock(c, `${name}-lock`));
  const tokens = [];
  await lastValueFrom(
    merge(
      ...locks.map((lock, i) => lock.section((lease) => defer(() => (tokens.push(lease.token), log.push(`in ${i}`), timer(10))).pipe(finalize(() => log.push(`out ${i}`))))),
    ).pipe(toArray()),
  );
  assert.deepEqual(log.map((l) => l.slice(0, 2)), ['in', 'ou', 'in', 'ou']);
  assert.ok(tokens[1] > tokens[0], 'fencing tokens grow');

  const limiter = new RedisRateLimiter(clients[0], `${name}-rate`, { limit: 2, interval: 200 });
  const t0 = performance.now();
  const starts = await lastValueFrom(merge(...[0, 1, 2].map(() => limiter.section(defer(async () => performance.now() - t0)))).pipe(toArray()));
  starts.sort((x, y) => x - y);
  assert.ok(starts[2] >= 150, `the third waits for the window (${starts})`);

  // keyed: the two clients' keys take turns for one permit; a key's own window
  const keyed = clients.map((c) => new RedisKeyedSemaphore(c, `${name}-keyed`, { permits: 1 }));
  const turns = [];
  const turn = (key) => defer(() => (turns.push(key), timer(5)));
  await lastValueFrom(
    merge(range(0, 3).pipe(semaphoreMap(keyed[0], () => turn('a'), { key: () => 'a' })), range(0, 3).pipe(semaphoreMap(keyed[1], () => turn('b'), { key: () => 'b' }))).pipe(toArray()),
  );
  assert.equal(turns.length, 6);
  assert.ok(!['aaabbb', 'bbbaaa'].includes(turns.join('')), `the keys take turns (${turns.join('')})`);
  const keyedRate = new RedisKeyedRateLimiter(clients[1], `${name}-krate`, { perKey: { limit: 1, interval: 200 } });
  const t1 = performance.now();
  const keyedStarts = await lastValueFrom(merge(...['a', 'a', 'b'].map((k) => keyedRate.section(k, defer(async () => `${k} ${performance.now() - t1}`)))).pipe(toArray()));
  const late = keyedStarts.filter((s) => Number(s.split(' ')[1]) >= 150).map((s) => s[0]);
  assert.deepEqual(late, ['a'], `only a's second start waits for its window (${keyedStarts})`);
} finally {
  await Promise.all(clients.map((c) => c.quit()));
}
console.log('redis ok');
