// RedisRateLimiter against a real redis-server: the strict sliding window across processes.
import { describe, it, expect } from 'vitest';
import { Redis } from 'ioredis';
import { NEVER, concatMap, defer, lastValueFrom, mergeMap, of, range, repeat, take, toArray } from 'rxjs';
import { RedisRateLimiter } from '../../src/redis/index.js';
import { endlessSource } from '../helpers.js';
import { redisHarness, sleep, waitFor } from './harness.js';

const { client, child, name, lib } = redisHarness('rate');
const queued = (redis: Redis, n: string) => redis.zcard(`rxr:{${n}}:q`);
/** The most starts in any span of `span` ms. */
const most = (starts: number[], span: number) => Math.max(...starts.map((s) => starts.filter((o) => o >= s && o < s + span).length));

/**
 * The start times as the limiter itself recorded them in Redis (its window, on Redis's clock),
 * polled every few ms and once at the end: an entry stays at least one interval, so none is missed. A time read by the
 * section itself would be late by however long its process took to hear of the start, which on a
 * loaded machine is long enough to make a correct run look wrong.
 */
function watchStarts(redis: Redis, n: string) {
  const seen = new Map<string, number>();
  let on = true;
  const read = async () => {
    const flat = await redis.zrange(`rxr:{${n}}:s`, '0', '-1', 'WITHSCORES');
    for (let i = 0; i + 1 < flat.length; i += 2) seen.set(flat[i]!, Number(flat[i + 1]));
  };
  const done = (async () => {
    while (on) {
      await read();
      await sleep(2);
    }
    // once more at the end: the last starts stay in the window (only a later script forgets them)
    await read();
  })();
  return async () => {
    on = false;
    await done;
    return [...seen.values()].sort((a, b) => a - b);
  };
}

describe('RedisRateLimiter', () => {
  it('in one process: never more than `limit` starts in any interval, and the waiters sleep until the window opens', async () => {
    const n = name();
    const api = new RedisRateLimiter(lib(), n, { limit: 3, interval: 300 });
    const stop = watchStarts(client(), n);
    const ran = await lastValueFrom(range(0, 9).pipe(mergeMap(() => api.section(defer(async () => 1))), toArray()));
    const starts = await stop();
    expect(ran).toHaveLength(9);
    expect(starts).toHaveLength(9);
    expect(most(starts, 300)).toBeLessThanOrEqual(3);
    // nine starts at three per 300 ms take two whole intervals after the first
    expect(starts[8]! - starts[0]!).toBeGreaterThanOrEqual(600);
    expect(api.waiting).toBe(0);
  });

  it('across three processes: never more than `limit` starts in any interval (Redis time), every section starts', { timeout: 60_000 }, async () => {
    const n = name();
    const stop = watchStarts(client(), n);
    const runs = [0, 1, 2].map(() => child(['rate', n, '4', '4', '400']));
    expect(await Promise.all(runs.map((r) => r.exit))).toEqual([0, 0, 0]);
    const starts = await stop();
    // every section started (each child printed its start), and the limiter recorded each
    expect(runs.flatMap((r) => r.lines.filter((l) => l.startsWith('start ')))).toHaveLength(12);
    expect(starts).toHaveLength(12);
    expect(most(starts, 400)).toBeLessThanOrEqual(4);
    // twelve starts at four per 400 ms take two whole intervals after the first
    expect(starts[11]! - starts[0]!).toBeGreaterThanOrEqual(800);
  });

  it('strict FIFO with costs: a costly waiter blocks a cheap one that would fit', async () => {
    const redis = client();
    const n = name();
    const api = new RedisRateLimiter(lib(), n, { limit: 3, interval: 400 });
    const order: string[] = [];
    const section = (label: string, cost: number) => lastValueFrom(api.section(defer(async () => order.push(label)), cost));
    await section('first', 2);
    const costly = section('costly', 3);
    await waitFor(async () => (await queued(redis, n)) === 1);
    const cheap = section('cheap', 1); // 2 + 1 ≤ 3 would fit now, but costly is ahead
    await waitFor(async () => (await queued(redis, n)) === 2);
    expect(order).toEqual(['first']);
    await Promise.all([costly, cheap]);
    expect(order).toEqual(['first', 'costly', 'cheap']);
  });

  it('a waiter that unsubscribes leaves the queue and takes nothing from the window', async () => {
    const redis = client();
    const n = name();
    const api = new RedisRateLimiter(lib(), n, { limit: 1, interval: 300 });
    await lastValueFrom(api.section(defer(async () => 1)));
    let started = false;
    const gone = api.section(defer(() => ((started = true), NEVER))).subscribe();
    await waitFor(async () => (await queued(redis, n)) === 1);
    gone.unsubscribe();
    await waitFor(async () => (await queued(redis, n)) === 0);
    const t0 = Date.now();
    await lastValueFrom(api.section(defer(async () => 2)));
    expect(started).toBe(false);
    expect(Date.now() - t0).toBeLessThan(300 + 1000); // waited for the first start only
  });

  it('unsubscribing before the request’s reply arrives leaves nothing queued and starts nothing', async () => {
    const redis = client();
    const n = name();
    const api = new RedisRateLimiter(lib(), n, { limit: 1, interval: 60_000 });
    let started = 0;
    api.section(defer(() => (started++, NEVER))).subscribe().unsubscribe();
    await lastValueFrom(api.section(defer(async () => 1)));
    api.section(defer(() => (started++, NEVER))).subscribe().unsubscribe(); // would have queued
    await sleep(100);
    expect(await queued(redis, n)).toBe(0);
    expect(started).toBe(0);
    expect(api.waiting).toBe(0);
  });

  it('composed: repeat, concatMap, and take(1) over an endless synchronous source', async () => {
    const api = new RedisRateLimiter(lib(), name(), { limit: 100, interval: 1000 });
    expect(await lastValueFrom(api.section(of(1)).pipe(repeat(3), toArray()))).toEqual([1, 1, 1]);
    expect(await lastValueFrom(range(0, 3).pipe(concatMap((i) => api.section(of(i))), toArray()))).toEqual([0, 1, 2]);
    const { endless, pulled } = endlessSource();
    expect(await lastValueFrom(api.section(endless).pipe(take(1)))).toBe(0);
    expect(pulled()).toBe(1);
  });

  it('a waiting process killed with SIGKILL stops blocking the queue within the heartbeat', { timeout: 30_000 }, async () => {
    const redis = client();
    const n = name();
    const api = new RedisRateLimiter(lib(), n, { limit: 1, interval: 60_000 });
    await lastValueFrom(api.section(defer(async () => 1))); // the window is full for a minute
    const dead = child(['rate-wait', n, '1']);
    await waitFor(async () => (await queued(redis, n)) === 1, 20_000);
    const [deadId] = await redis.zrange(`rxr:{${n}}:q`, '0', '0');
    dead.process.kill('SIGKILL');
    const killedAt = Date.now();
    const mine = api.section(NEVER).subscribe(); // queued behind the dead one
    await waitFor(async () => (await queued(redis, n)) === 2);
    // the dead waiter is forgotten once its heartbeat runs out: our own heartbeat's script purges it
    await waitFor(async () => (await redis.zscore(`rxr:{${n}}:q`, deadId!)) === null, 5000);
    expect(Date.now() - killedAt).toBeLessThan(2000 + 2000);
    expect(await queued(redis, n)).toBe(1); // ours, still waiting for the full window
    mine.unsubscribe();
    await waitFor(async () => (await queued(redis, n)) === 0);
  });

  it.each([
    [() => new RedisRateLimiter({} as never, 'x', { limit: 1, interval: 10 }), TypeError, /^RedisRateLimiter: client must be an ioredis, iovalkey or node-redis client/],
    [() => new RedisRateLimiter(lib(), 'x', { limit: 0, interval: 10 }), RangeError, /^RedisRateLimiter: options\.limit must be an integer from 1 up, got 0/],
    [() => new RedisRateLimiter(lib(), 'x', { limit: 1, interval: 0.5 }), RangeError, /^RedisRateLimiter: options\.interval must be an integer number of milliseconds from 1 up, got 0\.5/],
    [() => new RedisRateLimiter(lib(), 'x', undefined as never), TypeError, /^RedisRateLimiter: options must be an object/],
    [() => new RedisRateLimiter(lib(), 'x', { limit: 2, interval: 10 }).section(NEVER, 3), RangeError, /^RedisRateLimiter\.section: cost must be an integer from 1 to 2, got 3/],
  ])('%#: bad arguments throw synchronously', (call, ErrorClass, message) => {
    expect(call).toThrow(ErrorClass);
    expect(call).toThrow(message);
  });
});
