// The BullMQ recipes of docs/bullmq.md, as the page quotes it (examples/recipes/queue-*.ts): a
// worker process started as a user would, and the service's calls, against a real redis-server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, toArray } from 'rxjs';
import { startRedis, type RedisServer } from '../scripts/redis-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let redis: RedisServer;
let worker: ChildProcess;

beforeAll(async () => {
  redis = await startRedis();
  process.env.REDIS_PORT = String(redis.port);
  worker = spawn(process.execPath, ['--import', 'tsx', `${root}examples/recipes/queue-worker.ts`], { cwd: root, env: { ...process.env }, stdio: 'ignore' });
}, 60_000);

afterAll(async () => {
  if (worker.exitCode === null) worker.kill('SIGKILL');
  await redis?.stop();
});

describe('docs/bullmq.md: the recipes (examples/recipes/queue-worker.ts, queue-service.ts and queue-tenants.ts)', () => {
  it('the service takes ten primes from a job that runs in the worker process, and SIGTERM stops the worker cleanly', async () => {
    const service = await import('../examples/recipes/queue-service.js');
    try {
      expect(await service.firstPrimes(1_000_000)).toEqual([2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
    } finally {
      await service.shutdown();
    }
    // the per-tenant recipe in front of the same queue: a tenant with 12 requests queued first does
    // not hold up one with 2 (each tenant holds at most 2 of the 4 jobs; waiting tenants take turns)
    const tenants = await import('../examples/recipes/queue-tenants.js');
    try {
      const requests = [...Array.from({ length: 12 }, () => ({ tenant: 'acme', limit: 100 })), { tenant: 'tiny', limit: 100 }, { tenant: 'tiny', limit: 100 }];
      const done = await lastValueFrom(tenants.serve(from(requests)).pipe(toArray()));
      expect(done).toHaveLength(14);
      expect(done.every((d) => d.primes.join() === '2,3,5')).toBe(true);
      const order = done.map((d) => d.tenant);
      expect(order.lastIndexOf('tiny'), order.join(' ')).toBeLessThan(6);
    } finally {
      await tenants.shutdown();
    }
    const exit = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 30_000);
});
