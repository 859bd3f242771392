// file: examples/recipes/queue-worker.ts
// A worker process: run as many as you like, on any machine that reaches Redis.
import { serveQueue } from 'rxjs-concurrency/bullmq';
import { tasks } from './queue-tasks.js';

const server = await serveQueue(tasks, {
  connection: { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null },
  queue: 'media',
  concurrency: 2,
  // BullMQ's own options: a dead process's job errors within about lockDuration + stalledInterval
  lockDuration: 10_000,
  stalledInterval: 5_000,
});
// a deploy's SIGTERM: the running jobs finish, no new one starts
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
