// RedisKeyedRateLimiter against a real redis-server: windows per key and global ones kept in Redis,
// the keys taking turns for the global one, across real child processes.
import { describe, it, expect } from 'vitest';
import { Redis } from 'ioredis';
import { concatMap, defer, lastValueFrom, of, repeat, take, toArray } from 'rxjs';
import { rateLimitMap } from '../../src/index.js';
import { RedisKeyedRateLimiter } from '../../src/redis/index.js';
import { endlessSource } from '../helpers.js';
import { redisHarness, sleep, waitFor } from './harness.js';

const { client, child, name, lib } = redisHarness('krate');
const queued = (redis: Redis, n: string) => redis.zcard(`rxq:{${n}}:qa`);
const keysOf = async (redis: Redis, n: string) => (await redis.keys(`rxq:{${n}}:*`)).filter((k) => !/:seq$/.test(k)).sort();

/** Every start the limiter recorded in Redis for `key` (its own log, on Redis's clock), polled until stopped. */
function watchStarts(redis: Redis, log: string) {
  const seen = new Map<string, number>();
  let on = true;
  const read = async () => {
    const flat = await redis.zrange(log, '0', '-1', 'WITHSCORES');
    for (let i = 0; i + 1 < flat.length; i += 2) seen.set(flat[i]!, Number(flat[i + 1]));
  };
  const done = (async () => {
    while (on) {
      await read();
      await sleep(2);
    }
    await read();
  })();
  return async () => {
    on = false;
    await done;
    return [...seen.entries()].map(([member, time]) => ({ cost: Number(member.split(':')[0]), time })).sort((a, b) => a.time - b.time);
  };
}
/** The most cost started in any span of `span` ms. */
const most = (starts: { cost: number; time: number }[], span: number) =>
  Math.max(0, ...starts.map((s) => starts.filter((o) => o.time >= s.time && o.time < s.time + span).reduce((sum, o) => sum + o.cost, 0)));

describe('RedisKeyedRateLimiter', () => {
  it('a window per key: each key keeps its own limit, one key’s waiters never hold up another’s', async () => {
    const n = name();
    const api = new RedisKeyedRateLimiter(lib(), n, { perKey: { limit: 2, interval: 300 } });
    const stops = ['a', 'b'].map((k) => watchStarts(client(), `rxq:{${n}}:s:${k}`));
    const t0 = Date.now();
    const order = await lastValueFrom(
      of('a', 'a', 'a', 'a', 'a', 'a', 'b').pipe(rateLimitMap(api, (key) => defer(async () => `${key}@${Date.now() - t0}`), { key: (k) => k }), toArray()),
    );
    const [a, b] = await Promise.all(stops.map((stop) => stop()));
    expect(most(a!, 300)).toBe(2);
    expect(a).toHaveLength(6);
    expect(b).toHaveLength(1);
    // b's start does not wait for a's window
    expect(b![0]!.time - a![0]!.time).toBeLessThan(250);
    expect(order).toHaveLength(7);
    expect(api.waiting).toBe(0);
  });

  it('a global window: the keys take turns for it, and a key’s several windows all hold', async () => {
    const redis = client();
    const n = name();
    const api = new RedisKeyedRateLimiter(lib(), n, {
      perKey: { windows: [{ limit: 3, interval: 200 }, { limit: 4, interval: 1000 }] },
      global: { limit: 1, interval: 60 },
    });
    const started: string[] = [];
    const stop = watchStarts(client(), `rxq:{${n}}:g`);
    const stopA = watchStarts(client(), `rxq:{${n}}:s:a`);
    const first = lastValueFrom(api.section('a', defer(async () => void started.push('a'))), { defaultValue: undefined });
    await first;
    const done: Promise<unknown>[] = [];
    for (const [key, count] of [['a', 5], ['x', 2]] as const) {
      for (let i = 0; i < count; i++) {
        done.push(lastValueFrom(api.section(key, defer(async () => void started.push(key))), { defaultValue: undefined }));
        await waitFor(async () => (await queued(redis, n)) >= done.length - 1);
      }
    }
    await Promise.all(done);
    const global = await stop();
    const a = await stopA();
    expect(most(global, 60)).toBe(1);
    expect(most(a, 200)).toBeLessThanOrEqual(3);
    expect(most(a, 1000)).toBeLessThanOrEqual(4);
    // a's later sections wait for a's own minute-ish window, x's go in turn: x is not behind all of a's
    expect(started.indexOf('x')).toBeLessThan(4);
    expect(started.filter((k) => k === 'a')).toHaveLength(6);
  }, 20_000);

  it('a waiter that unsubscribes takes nothing from the windows; an idle key leaves nothing in Redis once its window has passed', async () => {
    const redis = client();
    const n = name();
    const api = new RedisKeyedRateLimiter(lib(), n, { perKey: { limit: 1, interval: 200 }, global: { limit: 5, interval: 200 } });
    await lastValueFrom(api.section('a', of(1)));
    let ran = false;
    const waiting = api.section('a', defer(async () => void (ran = true))).subscribe();
    await waitFor(async () => (await queued(redis, n)) === 1);
    waiting.unsubscribe();
    await waitFor(async () => (await queued(redis, n)) === 0);
    await sleep(250);
    expect(ran).toBe(false);
    // the window has passed: nothing of key 'a', nor of the global window, is left
    expect(await keysOf(redis, n)).toEqual([]);
    // and a's next section starts at once
    const t = Date.now();
    await lastValueFrom(api.section('a', of(1)));
    expect(Date.now() - t).toBeLessThan(150);
  });

  it('composed: repeat, concatMap, take(1) over an endless synchronous source, a factory with its lease', async () => {
    const redis = client();
    const n = name();
    const api = new RedisKeyedRateLimiter(lib(), n, { perKey: { limit: 100, interval: 1000 } });
    expect(await lastValueFrom(api.section('a', of(1)).pipe(repeat(3), toArray()))).toEqual([1, 1, 1]);
    expect(await lastValueFrom(of('a', 'b').pipe(concatMap((k) => api.section(k, of(k))), toArray()))).toEqual(['a', 'b']);
    const { endless } = endlessSource();
    expect(await lastValueFrom(api.section('a', endless).pipe(take(1)))).toBe(0);
    const [seconds] = await redis.time();
    const token = await lastValueFrom(api.forKey('b').section((lease) => of(lease.token)));
    expect(Math.abs(token - Number(seconds) * 1000)).toBeLessThan(5000);
  });

  it('across three processes: never more than the limit per key nor the global one (Redis time), every section starts', { timeout: 60_000 }, async () => {
    const n = name();
    const redis = client();
    const stops = ['k0', 'k1', 'k2', 'g'].map((k) => watchStarts(client(), k === 'g' ? `rxq:{${n}}:g` : `rxq:{${n}}:s:${k}`));
    const workers = [0, 1, 2].map((i) => child(['keyed-rate', n, '4', `k${i}`, '8', '300']));
    const codes = await Promise.all(workers.map((w) => w.exit));
    expect(codes).toEqual([0, 0, 0]);
    const [k0, k1, k2, g] = await Promise.all(stops.map((stop) => stop()));
    for (const k of [k0, k1, k2]) {
      expect(k).toHaveLength(8);
      expect(most(k!, 300)).toBeLessThanOrEqual(3);
    }
    expect(g).toHaveLength(24);
    expect(most(g!, 300)).toBeLessThanOrEqual(4);
    expect(await queued(redis, n)).toBe(0);
  });

  it('checks its arguments', () => {
    expect(() => new RedisKeyedRateLimiter(lib(), 'x', {} as never)).toThrow(/RedisKeyedRateLimiter.*options.perKey/);
    expect(() => new RedisKeyedRateLimiter(lib(), 'x', { perKey: { limit: 1, interval: 1.5 } })).toThrow(RangeError);
    expect(() => new RedisKeyedRateLimiter(lib(), '', { perKey: { limit: 1, interval: 10 } })).toThrow(/name/);
    const api = new RedisKeyedRateLimiter(lib(), 'x', { perKey: { limit: 3, interval: 10 }, global: { limit: 2, interval: 10 } });
    expect(api.permits).toBe(2);
    expect(() => api.section('a', of(1), 3)).toThrow(RangeError);
    expect(() => api.section(null as never, of(1))).toThrow(/key/);
    expect(() => rateLimitMap(api, () => of(1), {} as never)).toThrow(/rateLimitMap.*options.key/);
  });
});
