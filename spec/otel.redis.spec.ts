// rxjs-concurrency/otel on the Redis limits and the BullMQ queue pool: real redis-server, real
// serving process (killed with SIGKILL), the real SDK scraped through the Prometheus exporter.
import { describe, expect, it } from 'vitest';
import { NEVER, Observable, defer, lastValueFrom, of } from 'rxjs';
import { WorkerCrashedError, fromWorker } from '../src/index.js';
import { createQueuePool } from '../src/bullmq/index.js';
import { LeaseLostError, RedisKeyedRateLimiter, RedisSemaphore } from '../src/redis/index.js';
import { instrument } from '../src/otel/index.js';
import type { tasks } from '../examples/queue-tasks.js';
import { redisHarness, waitFor } from './redis/harness.js';
import { n, otelHarness, outcome } from './otel-harness.js';

const redis = redisHarness('otel');
const { setup, scrape } = otelHarness();

describe('instrument(Redis limits)', () => {
  it('RedisSemaphore: this process’s permits in use, waits, a lost lease counted as lease_lost, a cancelled waiter', async () => {
    const client = redis.client();
    const semName = redis.name();
    const sem = new RedisSemaphore(client, semName, { permits: 1, lease: 300 });
    const { meter, name } = setup();
    instrument(sem, { meter, name });
    await lastValueFrom(sem.section(of(1)));
    const lost = new Promise<unknown>((resolve) => sem.section(new Observable(() => undefined)).subscribe({ error: resolve }));
    await waitFor(async () => (await client.zscore(`rxc:{${semName}}:h`, '~n')) === '-2'); // 1 held (see src/redis/scripts.ts)
    const waiter = sem.section(NEVER).subscribe();
    await waitFor(async () => (await client.zcard(`rxc:{${semName}}:q`)) === 1);
    let read = await scrape();
    expect(read('rxjs_concurrency_permits_used', n(name))).toBe(1);
    expect(read('rxjs_concurrency_sections_waiting', n(name))).toBe(1);
    waiter.unsubscribe();
    await client.del(`rxc:{${semName}}:h`);
    expect(await lost).toBeInstanceOf(LeaseLostError);
    read = await scrape();
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'complete'))).toBe(1);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'lease_lost'))).toBe(1);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'cancelled_waiting'))).toBe(1);
    expect(read('rxjs_concurrency_section_wait_duration_count', n(name))).toBe(2);
    expect(read('rxjs_concurrency_section_hold_duration_count', n(name))).toBe(2);
    expect(read('rxjs_concurrency_permits_used', n(name))).toBe(0);
  });

  it('RedisKeyedRateLimiter: costs started, outcomes, keys only when asked', async () => {
    const client = redis.client();
    const api = new RedisKeyedRateLimiter(client, redis.name(), { perKey: { limit: 5, interval: 1000 } });
    const { meter, name } = setup();
    instrument(api, { meter, name, keys: true });
    await lastValueFrom(api.section('a', of(1), 2));
    await lastValueFrom(api.section('b', defer(async () => 1)));
    await lastValueFrom(api.section('a', defer(async () => Promise.reject(new Error('no'))))).catch(() => undefined);
    const read = await scrape();
    expect(read('rxjs_concurrency_rate_started_total', { ...n(name), rxjs_concurrency_key: 'a' })).toBe(3);
    expect(read('rxjs_concurrency_rate_started_total', { ...n(name), rxjs_concurrency_key: 'b' })).toBe(1);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'complete'))).toBe(2);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'error'))).toBe(1);
  });
});

describe('instrument(queue pool)', () => {
  it('tasks queued and running, serving processes, a queued job cancelled; a serving process killed with SIGKILL leaves none and its job counts as crashed, timed from its start', async () => {
    const queue = `otel${process.pid}`;
    const pool = createQueuePool<typeof tasks>({ connection: { host: '127.0.0.1', port: redis.server.port, maxRetriesPerRequest: null }, queue });
    const { meter, name } = setup();
    instrument(pool, { meter, name });
    try {
      const error = new Promise<unknown>((resolve) => fromWorker(pool, 'countSlowly', 1000, 50, 'x').subscribe({ error: resolve }));
      const cancelled = fromWorker(pool, 'countSlowly', 1000, 50, 'y').subscribe();
      await waitFor(() => pool.stats.queued === 2);
      cancelled.unsubscribe();
      let read = await scrape();
      expect(read('rxjs_concurrency_tasks_queued', n(name))).toBe(1);
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'cancelled'))).toBe(1);
      expect(read('rxjs_concurrency_workers', n(name))).toBe(0);
      const server = redis.child([queue, '1', '-', '1000', '300'], 'examples/queue-server.ts');
      await waitFor(() => pool.stats.busy === 1, 30_000);
      read = await scrape();
      expect(read('rxjs_concurrency_tasks_running', n(name))).toBe(1);
      expect(read('rxjs_concurrency_tasks_queued', n(name))).toBe(0);
      expect(read('rxjs_concurrency_workers', n(name))).toBe(1);
      server.process.kill('SIGKILL');
      expect(await error).toBeInstanceOf(WorkerCrashedError);
      read = await scrape();
      expect(read('rxjs_concurrency_tasks_running', n(name))).toBe(0);
      expect(read('rxjs_concurrency_workers', n(name))).toBe(0);
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'crashed'))).toBe(1);
      // the crashed job started (its process said so); the cancelled one never did
      expect(read('rxjs_concurrency_task_duration_count', n(name))).toBe(1);
      expect(read('rxjs_concurrency_task_duration_sum', n(name))).toBeGreaterThan(0);
    } finally {
      await pool.terminate();
    }
  }, 60_000);
});
