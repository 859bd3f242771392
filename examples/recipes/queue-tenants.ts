// file: examples/recipes/queue-tenants.ts
// Per-tenant limits in front of the queue pool: every replica of the service shares one
// RedisKeyedSemaphore, so the fairness spans every replica and every worker machine behind the queue.
import { Redis } from 'ioredis';
import { map, take, toArray, type Observable } from 'rxjs';
import { fromWorker, semaphoreMap } from 'rxjs-concurrency';
import { createQueuePool } from 'rxjs-concurrency/bullmq';
import { RedisKeyedSemaphore } from 'rxjs-concurrency/redis';
import type { tasks } from './queue-tasks.js';

const connection = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null };
const pool = createQueuePool<typeof tasks>({ connection, queue: 'media', attempts: 1 });
const redis = new Redis(connection);

// 4 jobs at once across all replicas, at most 2 for one tenant; the tenants waiting take turns, so a
// tenant that sends a thousand requests delays another's by a turn, not by a thousand jobs
const jobs = new RedisKeyedSemaphore(redis, 'media-jobs', { permits: 4, perKey: 2 });

export interface Request {
  readonly tenant: string;
  readonly limit: number;
}

export const serve = (requests$: Observable<Request>) =>
  requests$.pipe(
    semaphoreMap(jobs, (request) => fromWorker(pool, 'primes', request.limit).pipe(take(3), toArray(), map((primes) => ({ tenant: request.tenant, primes }))), {
      key: (request) => request.tenant,
    }),
  );

export const shutdown = async () => {
  await pool.terminate();
  await redis.quit();
};
