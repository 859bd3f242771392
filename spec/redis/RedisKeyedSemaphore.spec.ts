// RedisKeyedSemaphore against a real redis-server: the rotation across keys done in Redis, in this
// process and across real child processes (one of them killed with SIGKILL).
import { describe, it, expect } from 'vitest';
import { Redis } from 'ioredis';
import { Observable, concatMap, defer, lastValueFrom, of, repeat, take, toArray } from 'rxjs';
import { lockedSection, semaphoreMap } from '../../src/index.js';
import { LeaseLostError, RedisKeyedSemaphore } from '../../src/redis/index.js';
import { endlessSource } from '../helpers.js';
import { redisHarness, sleep, waitFor } from './harness.js';

const { client, child, name, lib } = redisHarness('keyed');
const queued = (redis: Redis, n: string) => redis.zcard(`rxk:{${n}}:qa`);
const holders = (redis: Redis, n: string) => redis.zcard(`rxk:{${n}}:h`);
/** Every key Redis holds for the semaphore, but the two counters of the name itself. */
const leftovers = async (redis: Redis, n: string) => (await redis.keys(`rxk:{${n}}:*`)).filter((k) => !/:(seq|fence)$/.test(k)).sort();

/** A section that holds until `release()`, and records its key when it enters. */
function gated(entered: string[], label: string) {
  let release: () => void = () => undefined;
  const source = new Observable<void>((s) => {
    entered.push(label);
    release = () => s.complete();
  });
  return { source, release: () => release() };
}

describe('RedisKeyedSemaphore in one process', () => {
  it('rotates across keys: a key that queued first does not make a later key wait behind all of its sections', async () => {
    const redis = client();
    const n = name();
    const keyed = new RedisKeyedSemaphore(lib(), n, { permits: 1 });
    const entered: string[] = [];
    const blocker = gated(entered, 'h');
    const held = keyed.section('h', blocker.source).subscribe();
    await waitFor(async () => (await holders(redis, n)) === 1);
    const done: Promise<unknown>[] = [];
    for (const [key, label] of [['a', 'a1'], ['a', 'a2'], ['a', 'a3'], ['x', 'x1']] as const) {
      done.push(lastValueFrom(keyed.section(key, defer(async () => (entered.push(label), await sleep(5)))), { defaultValue: undefined }));
      await waitFor(async () => (await queued(redis, n)) === done.length);
    }
    blocker.release();
    await Promise.all(done);
    // FIFO would give a1 a2 a3 x1
    expect(entered).toEqual(['h', 'a1', 'x1', 'a2', 'a3']);
    held.unsubscribe();
    expect(await leftovers(redis, n)).toEqual([]);
  });

  it('never more than `permits` in all nor `perKey` for one key (measured in Redis); an idle key leaves nothing in Redis', async () => {
    const redis = client();
    const n = name();
    const keyed = new RedisKeyedSemaphore(lib(), n, { permits: 3, perKey: 2 });
    const section = (key: string) =>
      defer(async () => {
        const all = await redis.incr(`${n}:all`);
        const mine = await redis.incr(`${n}:${key}`);
        await redis.eval(
          "for i = 1, 2 do if tonumber(redis.call('GET', KEYS[i + 2]) or '0') < tonumber(ARGV[i]) then redis.call('SET', KEYS[i + 2], ARGV[i]) end end",
          4, `${n}:all`, `${n}:${key}`, `${n}:all:most`, `${n}:most`, all, mine,
        );
        await sleep(10);
        await redis.decr(`${n}:all`);
        await redis.decr(`${n}:${key}`);
      });
    const keys = ['a', 'a', 'a', 'a', 'b', 'a', 'c', 'b', 'a', 'a', 'c', 'b'];
    await lastValueFrom(of(...keys).pipe(semaphoreMap(keyed, (key) => section(key), { key: (key) => key }), toArray()));
    expect(Number(await redis.get(`${n}:all:most`))).toBe(3);
    expect(Number(await redis.get(`${n}:most`))).toBe(2);
    expect(await leftovers(redis, n)).toEqual([]);
    expect(keyed.waiting).toBe(0);
  });

  it('weights within a key: a heavy head blocks its own key, never another key', async () => {
    const redis = client();
    const n = name();
    const keyed = new RedisKeyedSemaphore(lib(), n, { permits: 3, perKey: 2 });
    const entered: string[] = [];
    const first = gated(entered, 'a1');
    const held = keyed.section('a', first.source).subscribe(); // a holds 1 of its 2
    await waitFor(async () => (await holders(redis, n)) === 1);
    const heavy = keyed.section('a', defer(async () => void entered.push('a2')), 2).subscribe(); // needs 2: waits for a1
    await waitFor(async () => (await queued(redis, n)) === 1);
    const light = keyed.section('a', defer(async () => void entered.push('a3'))).subscribe(); // would fit, but behind a2
    const other = lastValueFrom(keyed.section('x', defer(async () => void entered.push('x1'))), { defaultValue: undefined });
    await other;
    await sleep(50);
    expect(entered).toEqual(['a1', 'x1']);
    first.release();
    await waitFor(() => entered.length === 4);
    expect(entered).toEqual(['a1', 'x1', 'a2', 'a3']);
    held.unsubscribe();
    heavy.unsubscribe();
    light.unsubscribe();
    await waitFor(async () => (await leftovers(redis, n)).length === 0);
  });

  it('shares: a key with share 2 gets two turns to one of a key with share 1 while both wait', async () => {
    const redis = client();
    const n = name();
    const keyed = new RedisKeyedSemaphore<string>(redis, n, { permits: 1, share: (key) => (key === 'paid' ? 2 : 1) });
    const entered: string[] = [];
    const blocker = gated(entered, 'h');
    const held = keyed.section('h', blocker.source).subscribe();
    await waitFor(async () => (await holders(redis, n)) === 1);
    const done: Promise<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      for (const key of ['free', 'paid']) {
        done.push(lastValueFrom(keyed.section(key, defer(async () => void entered.push(key))), { defaultValue: undefined }));
        await waitFor(async () => (await queued(redis, n)) === done.length);
      }
    }
    blocker.release();
    await Promise.all(done);
    expect(entered.slice(1, 7)).toEqual(['free', 'paid', 'paid', 'free', 'paid', 'paid']);
    held.unsubscribe();
  });

  it('a waiter that unsubscribes leaves its key’s queue and takes nothing; tokens grow across keys', async () => {
    const redis = client();
    const n = name();
    const keyed = new RedisKeyedSemaphore(lib(), n, { permits: 1 });
    const entered: string[] = [];
    const blocker = gated(entered, 'h');
    const tokens: number[] = [];
    const held = keyed.section('h', (lease) => (tokens.push(lease.token), blocker.source)).subscribe();
    await waitFor(async () => (await holders(redis, n)) === 1);
    const gone = keyed.section('a', defer(async () => void entered.push('a'))).subscribe();
    await waitFor(async () => (await queued(redis, n)) === 1);
    const next = lastValueFrom(keyed.section('b', (lease) => (tokens.push(lease.token), of(entered.push('b')))));
    await waitFor(async () => (await queued(redis, n)) === 2);
    gone.unsubscribe();
    await waitFor(async () => (await queued(redis, n)) === 1);
    blocker.release();
    await next;
    expect(entered).toEqual(['h', 'b']);
    expect(tokens[1]).toBeGreaterThan(tokens[0]!);
    held.unsubscribe();
    await waitFor(async () => (await leftovers(redis, n)).length === 0);
  });

  it('a lost lease errors the section with LeaseLostError and tears its source down', async () => {
    const redis = client();
    const n = name();
    const keyed = new RedisKeyedSemaphore(lib(), n, { permits: 1, lease: 300 });
    let torn = false;
    const error = new Promise<unknown>((resolve) => keyed.section('a', new Observable(() => () => void (torn = true))).subscribe({ error: resolve }));
    await waitFor(async () => (await holders(redis, n)) === 1);
    await redis.del(`rxk:{${n}}:h`, `rxk:{${n}}:hi`);
    expect(await error).toBeInstanceOf(LeaseLostError);
    expect(torn).toBe(true);
  });

  it('composed: repeat, concatMap, take(1) over an endless synchronous source, lockedSection over forKey', async () => {
    const redis = client();
    const n = name();
    const keyed = new RedisKeyedSemaphore(lib(), n, { permits: 2, perKey: 1 });
    expect(await lastValueFrom(keyed.section('a', of(1)).pipe(repeat(3), toArray()))).toEqual([1, 1, 1]);
    expect(await lastValueFrom(of('a', 'b', 'a').pipe(concatMap((k) => keyed.section(k, of(k))), toArray()))).toEqual(['a', 'b', 'a']);
    const { endless } = endlessSource();
    expect(await lastValueFrom(keyed.section('a', endless).pipe(take(1)))).toBe(0);
    expect(await lastValueFrom(of(1, 2, 3).pipe(lockedSection(keyed.forKey('t'), (v) => of(v * 2)), toArray()))).toEqual([2, 4, 6]);
    await waitFor(async () => (await leftovers(redis, n)).length === 0);
  });

  it('checks its arguments', () => {
    expect(() => new RedisKeyedSemaphore(lib(), 'x', { permits: 0 })).toThrow(RangeError);
    expect(() => new RedisKeyedSemaphore(lib(), 'x', { permits: 2, perKey: 1.5 })).toThrow(/RedisKeyedSemaphore.*options.perKey/);
    expect(() => new RedisKeyedSemaphore(lib(), 'x', null as never)).toThrow(TypeError);
    expect(() => new RedisKeyedSemaphore({} as never, 'x', { permits: 1 })).toThrow(/RedisKeyedSemaphore.*client/);
    const keyed = new RedisKeyedSemaphore(lib(), 'x', { permits: 4, perKey: 2 });
    expect(keyed.perKey).toBe(2);
    expect(() => keyed.section({} as never, of(1))).toThrow(/RedisKeyedSemaphore.section.*key/);
    expect(() => keyed.section('a', of(1), 3)).toThrow(RangeError);
    expect(() => semaphoreMap(keyed, () => of(1), {} as never)).toThrow(/semaphoreMap.*options.key/);
  });
});

describe('RedisKeyedSemaphore across processes', () => {
  it('three processes, a noisy key and two quiet ones: never more than the permits, the quiet keys get turns at once, nothing left in Redis', { timeout: 60_000 }, async () => {
    const redis = client();
    const n = name();
    const noisy = child(['keyed-work', n, '2', '2', 'noisy', '40', '30']);
    const quiet = [child(['keyed-work', n, '2', '2', 'q1', '5', '30']), child(['keyed-work', n, '2', '2', 'q2', '5', '30'])];
    await waitFor(() => [noisy, ...quiet].every((p) => p.lines.includes('ready')), 30_000);
    noisy.process.stdin!.write('go\n');
    await waitFor(async () => (await queued(redis, n)) >= 30, 30_000);
    for (const q of quiet) q.process.stdin!.write('go\n');
    const codes = await Promise.all([noisy, ...quiet].map((p) => p.exit));
    expect(codes).toEqual([0, 0, 0]);
    expect(Number(await redis.get(`${n}:inside:most`))).toBe(2);
    // the grants in token order: once a quiet key waits, the noisy one gets no more than one turn per quiet turn
    const log = (await redis.lrange(`${n}:log`, 0, -1)).map((l) => l.split(' ')).sort((x, y) => Number(x[1]) - Number(y[1])).map(([key]) => key!);
    const firstQuiet = log.findIndex((k) => k !== 'noisy');
    const lastQuiet = log.length - 1 - [...log].reverse().findIndex((k) => k !== 'noisy');
    const noisyBetween = log.slice(firstQuiet, lastQuiet + 1).filter((k) => k === 'noisy').length;
    // 10 quiet sections in 5 rounds of the rotation: FIFO would put the ~30 queued noisy ones before them
    expect(log.slice(0, firstQuiet).length, log.join(' ')).toBeLessThan(15);
    expect(noisyBetween, log.join(' ')).toBeLessThanOrEqual(6);
    expect(await leftovers(redis, n)).toEqual([]);
  });

  it('a holder killed with SIGKILL frees its permit within its lease; a killed waiter leaves its key’s queue within the heartbeat', { timeout: 30_000 }, async () => {
    const redis = client();
    const n = name();
    const holder = child(['keyed-hold', n, '1', '1000']);
    await waitFor(() => holder.lines.includes('holding'), 20_000);
    const waiter = child(['keyed-hold', n, '1', '1000']);
    await waitFor(async () => (await queued(redis, n)) === 1, 20_000);
    waiter.process.kill('SIGKILL');
    holder.process.kill('SIGKILL');
    const keyed = new RedisKeyedSemaphore(lib(), n, { permits: 1 });
    const started = Date.now();
    await lastValueFrom(keyed.section('k', of(1)));
    expect(Date.now() - started).toBeLessThan(4000);
    await waitFor(async () => (await leftovers(redis, n)).length === 0);
  });
});
