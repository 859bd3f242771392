// RedisSemaphore and RedisLock against a real redis-server (started here on a free loopback port),
// in this process and across real child processes.
import { describe, it, expect } from 'vitest';
import { type Cluster, Redis } from 'ioredis';
import { NEVER, Observable, concatMap, defer, firstValueFrom, lastValueFrom, of, range, repeat, take, toArray } from 'rxjs';
import { lockedSection, semaphoreMap } from '../../src/index.js';
import { LeaseLostError, RedisLock, RedisSemaphore } from '../../src/redis/index.js';
import { endlessSource } from '../helpers.js';
import { clustered, redisHarness, sentinel, sleep, waitFor } from './harness.js';

const harness = redisHarness('test');
const { client, child, name, lib } = harness;
/** What Redis holds for a semaphore: holders (the `~` members of `h` are its state) and queued waiters. */
const state = async (redis: Redis, n: string) => ({
  holders: (await redis.zrange(`rxc:{${n}}:h`, '0', '-1')).filter((m) => !m.startsWith('~')).length,
  queued: await redis.zcard(`rxc:{${n}}:q`),
});


/** A section that counts, in Redis, how many sections are inside at once. */
const counted = (redis: Redis, key: string, ms: number) =>
  defer(async () => {
    const inside = await redis.incr(key);
    await redis.eval("if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]) end", 2, key, `${key}:most`, inside);
    await sleep(ms);
    await redis.decr(key);
    return inside;
  });

describe('RedisSemaphore in one process', () => {
  it('never more than `permits` inside (measured in Redis), every permit back, nothing left in Redis', async () => {
    const redis = client();
    const n = name();
    const quota = new RedisSemaphore(lib(), n, { permits: 3 });
    const out = await lastValueFrom(range(0, 12).pipe(semaphoreMap(quota, () => counted(redis, `${n}:inside`, 20)), toArray()));
    expect(out).toHaveLength(12);
    expect(Number(await redis.get(`${n}:inside:most`))).toBe(3);
    expect(await state(redis, n)).toEqual({ holders: 0, queued: 0 });
    // the processes' heartbeats go with the last one written: no key stays for good but the counters (h's state, s)
    const ttl = await redis.pttl(`rxc:{${n}}:pa`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2000);
  });

  it('strict FIFO in arrival order, weights included: a heavy waiter blocks the lighter ones behind it', async () => {
    const redis = client();
    const n = name();
    const sem = new RedisSemaphore(lib(), n, { permits: 2 });
    const entered: string[] = [];
    let release!: () => void;
    const first = sem.section(new Observable<void>((s) => void (release = () => s.complete()))).subscribe();
    await waitFor(async () => (await state(redis, n)).holders === 1);
    const done: Promise<unknown>[] = [];
    for (const [label, weight] of [['a', 2], ['b', 1], ['c', 1]] as const) {
      done.push(lastValueFrom(sem.section(defer(async () => (entered.push(label), await sleep(10))), weight)));
      await waitFor(async () => (await state(redis, n)).queued === entered.length + done.length);
    }
    // b (weight 1) would fit beside the holder, but a (weight 2) is ahead of it
    expect(entered).toEqual([]);
    release();
    await Promise.all(done);
    expect(entered).toEqual(['a', 'b', 'c']);
    first.unsubscribe();
  });

  if (!clustered && !sentinel)
    it('a light touch on Redis: at most 12 commands per acquisition (scripts’ own commands included), whether the sections wait or not', async () => {
      const redis = client();
      const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))![1]);
      const sem = new RedisSemaphore(lib(), name(), { permits: 2 });
      await lastValueFrom(sem.section(of(0))); // scripts loaded, listener not yet
      // 40 sections subscribed at once: 2 enter, 38 wait and are handed the permits one by one
      const before = await commands();
      await lastValueFrom(range(0, 40).pipe(semaphoreMap(sem, (i) => defer(async () => (await sleep(1), i))), toArray()));
      const waited = (await commands()) - before - 1;
      // one after another: none waits
      const start = await commands();
      for (let i = 0; i < 20; i++) await lastValueFrom(sem.section(of(i)));
      const alone = (await commands()) - start - 1;
      expect(waited / 40).toBeLessThanOrEqual(12);
      expect(alone / 20).toBeLessThanOrEqual(12);
    });

  it('a waiter that unsubscribes leaves the queue at once and takes no permit', async () => {
    const redis = client();
    const n = name();
    const sem = new RedisSemaphore(lib(), n, { permits: 1 });
    const hold = sem.section(NEVER).subscribe();
    await waitFor(async () => (await state(redis, n)).holders === 1);
    let started = false;
    const waiter = sem.section(defer(() => ((started = true), NEVER))).subscribe();
    await waitFor(async () => (await state(redis, n)).queued === 1);
    waiter.unsubscribe();
    await waitFor(async () => (await state(redis, n)).queued === 0);
    hold.unsubscribe();
    await waitFor(async () => (await state(redis, n)).holders === 0);
    expect(started).toBe(false);
  });

  it('the permits go back only after the source’s teardown; tokens grow with every grant', async () => {
    const n = name();
    const lock = new RedisLock(lib(), n);
    const log: string[] = [];
    const tokens: number[] = [];
    const body = (label: string) => (lease: { token: number }) => {
      tokens.push(lease.token);
      return new Observable<string>((s) => {
        log.push(`${label} in`);
        setTimeout(() => s.complete(), 10);
        return () => log.push(`${label} teardown`);
      });
    };
    await Promise.all([lastValueFrom(lock.section(body('a')), { defaultValue: 0 }), lastValueFrom(lock.section(body('b')), { defaultValue: 0 })]);
    expect(log).toEqual(['a in', 'a teardown', 'b in', 'b teardown']);
    expect(tokens[1]).toBeGreaterThan(tokens[0]!);
  });

  it('a lost lease unsubscribes the source, aborts lease.signal and errors the section with LeaseLostError', async () => {
    const redis = client();
    const n = name();
    const sem = new RedisSemaphore(lib(), n, { permits: 1, lease: 300 });
    let tornDown = false;
    let signal: AbortSignal | undefined;
    const result = firstValueFrom(
      sem.section((lease) => {
        signal = lease.signal;
        return new Observable<never>(() => () => (tornDown = true));
      }),
    ).catch((e: unknown) => e);
    await waitFor(async () => (await state(redis, n)).holders === 1);
    await redis.del(`rxc:{${n}}:h`); // the key vanishes (as after a Redis restart)
    const error = await result;
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(tornDown).toBe(true);
    expect(signal!.aborted).toBe(true);
  });

  if (!clustered)
    it('renewals that do not get through (writes paused in Redis): the section stops at its lease by its own clock, before Redis answers again', async () => {
      const redis = client();
      const n = name();
      const sem = new RedisSemaphore(lib(), n, { permits: 1, lease: 500 });
      let tornDown = false;
      const result = firstValueFrom(sem.section(new Observable<never>(() => () => (tornDown = true)))).catch((e: unknown) => e);
      await waitFor(async () => (await state(redis, n)).holders === 1);
      const paused = performance.now();
      await redis.call('CLIENT', 'PAUSE', 4000, 'WRITE'); // as Redis unreachable or failing over: no renewal reaches it
      const error = await result;
      const after = performance.now() - paused;
      await redis.call('CLIENT', 'UNPAUSE');
      expect(error).toBeInstanceOf(LeaseLostError);
      expect(tornDown).toBe(true);
      // stopped by its own clock, not by Redis's answer after the pause (which would come at 4 s)
      expect(after).toBeLessThan(3000);
    });

  it('a waiting process hears its grant on a channel of its own: on a Cluster a sharded one, on the master of the name’s slot (no hop over the cluster bus)', async () => {
    const redis = client();
    const n = name();
    const sem = new RedisSemaphore(lib(), n, { permits: 1 });
    const held = sem.section(NEVER).subscribe();
    const waiter = lastValueFrom(sem.section(of('granted')));
    await waitFor(async () => (await state(redis, n)).queued === 1);
    const pattern = (kind: string) => `rxc:{${n}}:${kind}:*`;
    if (clustered) {
      const cluster = redis as unknown as Cluster;
      const owner = cluster.slots[Number(await redis.call('CLUSTER', 'KEYSLOT', `rxc:{${n}}:h`))]![0];
      const found = await Promise.all(cluster.nodes('all').map(async (node) => [`${node.options.host}:${node.options.port}`, (await node.call('PUBSUB', 'SHARDCHANNELS', pattern('s'))) as string[]] as const));
      expect(found.filter(([, channels]) => channels.length > 0).map(([at]) => at)).toEqual([owner]);
    } else {
      expect(await redis.call('PUBSUB', 'CHANNELS', pattern('c'))).toHaveLength(1);
    }
    held.unsubscribe();
    expect(await waiter).toBe('granted');
  });

  it('a replica promoted after missing the last grants (its fence is behind) still grants higher tokens: tokens never repeat or go backwards', async () => {
    const redis = client();
    const n = name();
    const sem = new RedisSemaphore(lib(), n, { permits: 1 });
    const token = () => lastValueFrom(sem.section((lease) => of(lease.token)));
    const first = await token();
    const fence = await redis.zscore(`rxc:{${n}}:h`, '~fence');
    const second = await token();
    const third = await token();
    await redis.zadd(`rxc:{${n}}:h`, fence!, '~fence'); // the state a replica had before the last two grants
    const after = await token();
    expect([first, second, third].every((t) => Number.isSafeInteger(t) && t > 0)).toBe(true);
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
    expect(after).toBeGreaterThan(third);
  });

  it('unsubscribing before the request’s reply arrives leaves nothing in Redis, whether it would have been granted or queued', async () => {
    const redis = client();
    const n = name();
    const sem = new RedisSemaphore(lib(), n, { permits: 1 });
    let started = 0;
    const body = defer(() => (started++, NEVER));
    sem.section(body).subscribe().unsubscribe(); // would be granted at once
    const hold = sem.section(NEVER).subscribe();
    await waitFor(async () => (await state(redis, n)).holders === 1);
    sem.section(body).subscribe().unsubscribe(); // would have queued
    await sleep(100);
    expect(await state(redis, n)).toEqual({ holders: 1, queued: 0 });
    hold.unsubscribe();
    await waitFor(async () => (await state(redis, n)).holders === 0);
    expect(started).toBe(0);
  });

  it('lease.signal aborts when a section ends normally, after its teardown', async () => {
    const sem = new RedisSemaphore(lib(), name(), { permits: 1 });
    let signal: AbortSignal | undefined;
    let abortedAtTeardown: boolean | undefined;
    await lastValueFrom(
      sem.section((lease) => {
        signal = lease.signal;
        return new Observable<number>((s) => {
          // an asynchronous end: the teardown is registered before it (a synchronous source's is not)
          const timer = setTimeout(() => (s.next(1), s.complete()), 5);
          return () => {
            clearTimeout(timer);
            abortedAtTeardown = signal!.aborted;
          };
        });
      }),
    );
    expect(abortedAtTeardown).toBe(false);
    expect(signal!.aborted).toBe(true);
  });

  it('composed: repeat, concatMap, and take(1) over an endless synchronous source', async () => {
    const redis = client();
    const n = name();
    const sem = new RedisSemaphore(lib(), n, { permits: 1 });
    expect(await lastValueFrom(sem.section(of(1)).pipe(repeat(3), toArray()))).toEqual([1, 1, 1]);
    expect(await lastValueFrom(range(0, 3).pipe(concatMap((i) => sem.section(of(i))), toArray()))).toEqual([0, 1, 2]);
    const { endless, pulled } = endlessSource();
    expect(await lastValueFrom(sem.section(endless).pipe(take(1)))).toBe(0);
    expect(pulled()).toBe(1);
    await waitFor(async () => (await state(redis, n)).holders === 0);
    expect(await state(redis, n)).toEqual({ holders: 0, queued: 0 });
  });

  it('lockedSection and semaphoreMap take it as any PermitSource', async () => {
    const lock = new RedisLock(lib(), name());
    expect(await lastValueFrom(range(1, 3).pipe(lockedSection(lock, (v) => defer(async () => v * 2)), toArray()))).toEqual([2, 4, 6]);
  });

  it('Redis unreachable: the section errors with the connection’s error, nothing is left waiting', async () => {
    const dead = new Redis({ port: 1, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const sem = new RedisSemaphore(dead, name(), { permits: 1 });
    const error = await lastValueFrom(sem.section(defer(async () => 1))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(LeaseLostError);
    dead.disconnect();
  });

  it.each([
    [() => new RedisSemaphore({} as never, 'x', { permits: 1 }), TypeError, /^RedisSemaphore: client must be an ioredis, iovalkey or node-redis client/],
    [() => new RedisSemaphore(lib(), '', { permits: 1 }), TypeError, /^RedisSemaphore: name must be a non-empty string/],
    [() => new RedisSemaphore(lib(), 'x', { permits: 0 }), RangeError, /^RedisSemaphore: options\.permits must be an integer from 1 up, got 0/],
    [() => new RedisLock(lib(), 'x', { lease: 5 }), RangeError, /^RedisLock: options\.lease must be an integer from 100 up, got 5/],
    [() => new RedisSemaphore(lib(), 'x', { permits: 2 }).section(1 as never), TypeError, /^RedisSemaphore\.section: source must be an ObservableInput/],
    [() => new RedisSemaphore(lib(), 'x', { permits: 2 }).section(NEVER, 3), RangeError, /^RedisSemaphore\.section: weight must be an integer from 1 to 2, got 3/],
    [() => new RedisLock(lib(), 'x', { replicas: -1 }), RangeError, /^RedisLock: options\.replicas must be an integer from 0 up, got -1/],
  ])('%#: bad arguments throw synchronously', (call, ErrorClass, message) => {
    expect(call).toThrow(ErrorClass);
    expect(call).toThrow(message);
  });
});


describe('RedisSemaphore option replicas', () => {
  if (clustered)
    it('a Redis Cluster client cannot take it (WAIT counts the replicas of one master): RangeError', () => {
      expect(() => new RedisSemaphore(lib(), 'x', { permits: 1, replicas: 1 })).toThrow(/^RedisSemaphore: options\.replicas needs a client of one master/);
    });
  else if (sentinel)
    it('through Sentinel, a master with one replica: each grant waits for the replica, and the sections run, in turn', async () => {
      const n = name();
      const sem = new RedisSemaphore(lib(), n, { permits: 1, replicas: 1 });
      const out = await lastValueFrom(range(0, 5).pipe(concatMap((i) => sem.section(of(i))), toArray()));
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(await state(client(), n)).toEqual({ holders: 0, queued: 0 });
    });
  else
    it('with no replica to acknowledge the grant, the section never starts and errors with LeaseLostError after its lease; nothing is left held', async () => {
      const n = name();
      const entered: number[] = [];
      const sem = new RedisSemaphore(lib(), n, { permits: 1, lease: 600, replicas: 1 });
      const error = await lastValueFrom(sem.section(defer(() => of(entered.push(1))))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LeaseLostError);
      expect((error as Error).message).toMatch(/fewer than 1 replica\(s\) acknowledged the grant within the lease \(600 ms\)/);
      expect(entered).toEqual([]);
      await waitFor(async () => (await state(client(), n)).holders === 0);
      // and a semaphore without the option takes the permit at once
      expect(await lastValueFrom(new RedisSemaphore(lib(), n, { permits: 1 }).section(of('in')))).toBe('in');
    });

  if (!clustered && !sentinel)
    it('unsubscribed while its grant waits for a replica: the permit goes back at once, not after the lease', async () => {
      const n = name();
      const entered: number[] = [];
      const sem = new RedisSemaphore(lib(), n, { permits: 1, lease: 20_000, replicas: 1 });
      const waiting = sem.section(defer(() => of(entered.push(1)))).subscribe({ error: () => undefined });
      await waitFor(async () => (await state(client(), n)).holders === 1);
      waiting.unsubscribe();
      await waitFor(async () => (await state(client(), n)).holders === 0);
      expect(entered).toEqual([]);
    });
});

describe('RedisSemaphore across processes', () => {
  it('four processes share Semaphore(2): never more than 2 inside (measured in Redis), all finish, each process exits by itself', { timeout: 60_000 }, async () => {
    const redis = client();
    const n = name();
    const runs = [0, 1, 2, 3].map(() => child(['work', n, '2', '6', '15']));
    const codes = await Promise.all(runs.map((r) => r.exit));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(runs.map((r) => r.lines.filter((l) => l.startsWith('done')).length)).toEqual([6, 6, 6, 6]);
    expect(Number(await redis.get(`${n}:inside:most`))).toBe(2);
    expect(await state(redis, n)).toEqual({ holders: 0, queued: 0 });
  });

  it('a holder killed with SIGKILL frees its permit within its lease', { timeout: 30_000 }, async () => {
    const redis = client();
    const n = name();
    const holder = child(['hold', n, '1', '800']);
    await waitFor(() => holder.lines.includes('holding'), 20_000);
    holder.process.kill('SIGKILL');
    const killedAt = Date.now();
    const sem = new RedisSemaphore(lib(), n, { permits: 1 });
    await lastValueFrom(sem.section(defer(async () => 1)));
    // the lease (800 ms) plus one keeper period and scheduling: generous on a loaded machine
    expect(Date.now() - killedAt).toBeLessThan(800 + 3000);
    expect(await state(redis, n)).toEqual({ holders: 0, queued: 0 });
  });

  it('a holder stopped with SIGSTOP past its lease: another gets in; on SIGCONT its section errors with LeaseLostError and its source is torn down', { timeout: 30_000 }, async () => {
    const n = name();
    const holder = child(['hold', n, '1', '600']);
    await waitFor(() => holder.lines.includes('holding'), 20_000);
    holder.process.kill('SIGSTOP');
    const sem = new RedisSemaphore(lib(), n, { permits: 1 });
    const got = await lastValueFrom(sem.section(defer(async () => 'in')));
    expect(got).toBe('in'); // the stalled holder's lease expired in Redis
    holder.process.kill('SIGCONT');
    await waitFor(() => holder.lines.includes('lost LeaseLostError'), 10_000);
    expect(holder.lines).toContain('torn down');
    expect(holder.lines.indexOf('torn down')).toBeLessThan(holder.lines.indexOf('lost LeaseLostError'));
  });

  it('a waiter stopped with SIGSTOP, granted meanwhile, hears its grant past the heartbeat it held by: its section never starts, it errors with LeaseLostError, the permit comes back', { timeout: 30_000 }, async () => {
    const redis = client();
    const n = name();
    const sem = new RedisSemaphore(lib(), n, { permits: 1, lease: 10_000 });
    let release!: () => void;
    sem.section(new Observable<void>((s) => void (release = () => s.complete()))).subscribe();
    await waitFor(async () => (await state(redis, n)).holders === 1);
    const waiter = child(['drive', '-', '-', '10000']);
    await waitFor(() => waiter.lines.includes('ready'), 20_000);
    waiter.process.stdin!.write(`acquire ${n} 1 w 1\n`);
    await waitFor(async () => (await state(redis, n)).queued === 1, 20_000);
    waiter.process.kill('SIGSTOP');
    // Redis grants the stopped waiter (its message waits in its socket) for a heartbeat (2 s), unrenewed
    release();
    await waitFor(async () => (await state(redis, n)).queued === 0);
    await sleep(2500);
    waiter.process.kill('SIGCONT');
    await waitFor(() => waiter.lines.some((l) => l.startsWith('error w ')), 10_000);
    expect(waiter.lines).toContain('error w LeaseLostError');
    // it never ran on a grant that Redis may have handed on already
    expect(await redis.lrange(`${n}:log`, 0, -1)).toEqual([]);
    await waitFor(async () => (await state(redis, n)).holders === 0, 10_000);
    expect(await lastValueFrom(sem.section(defer(async () => 'in')))).toBe('in');
  });

  // a standalone server restarted empty; on a cluster or under Sentinel a master's death is a failover: spec/failover.spec.ts
  if (!clustered && !sentinel)
    it('Redis killed and restarted mid-section: the section errors with LeaseLostError, nothing is left held', { timeout: 30_000 }, async () => {
      const redis = client();
      redis.on('error', () => undefined); // reconnecting while the server is down
      const n = name();
      const sem = new RedisSemaphore(lib(), n, { permits: 1, lease: 1000 });
      let tornDown = false;
      const result = lastValueFrom(sem.section(new Observable<never>(() => () => (tornDown = true)))).catch((e: unknown) => e);
      await waitFor(async () => (await state(redis, n)).holders === 1);
      await harness.server.stop();
      await harness.server.start(); // persistence is off: Redis comes back empty
      const error = await result;
      expect(error).toBeInstanceOf(LeaseLostError);
      expect(tornDown).toBe(true);
      expect(await state(redis, n)).toEqual({ holders: 0, queued: 0 });
      // and the semaphore works again
      expect(await lastValueFrom(sem.section(defer(async () => 7)))).toBe(7);
    });

  it('a queued waiter killed with SIGKILL stops blocking the queue within the 2 s heartbeat', { timeout: 30_000 }, async () => {
    const redis = client();
    const n = name();
    const sem = new RedisSemaphore(lib(), n, { permits: 1, lease: 30_000 });
    const hold = sem.section(NEVER).subscribe();
    await waitFor(async () => (await state(redis, n)).holders === 1);
    const waiter = child(['wait', n, '1']);
    await waitFor(async () => (await state(redis, n)).queued === 1, 20_000);
    waiter.process.kill('SIGKILL');
    const killedAt = Date.now();
    const mine = lastValueFrom(sem.section(defer(async () => Date.now())));
    await waitFor(async () => (await state(redis, n)).queued === 2);
    hold.unsubscribe();
    const enteredAt = await mine;
    // the dead waiter's heartbeat expires 2 s after its last beat; then the next script hands on
    expect(enteredAt - killedAt).toBeLessThan(2000 + 2000);
  });
});
