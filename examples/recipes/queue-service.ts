// file: examples/recipes/queue-service.ts
// The service: the same fromWorker calls as with a thread pool, on every worker process.
import { lastValueFrom, take, toArray } from 'rxjs';
import { fromWorker } from 'rxjs-concurrency';
import { createQueuePool } from 'rxjs-concurrency/bullmq';
import type { tasks } from './queue-tasks.js';

const pool = createQueuePool<typeof tasks>({
  connection: { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null },
  queue: 'media',
  attempts: 1, // BullMQ's job options pass through: no retry
});

// ten primes, then the job is cancelled in whichever process runs it
export const firstPrimes = (limit: number) => lastValueFrom(fromWorker(pool, 'primes', limit).pipe(take(10), toArray()));
// an HTTP handler's request: unsubscribing (the client went away) aborts the job and its thread task
export const thumbnail = (id: string) => fromWorker(pool, 'thumbnail', id);
export const shutdown = () => pool.terminate();
