/**
 * `fromWorker` across machines, on BullMQ (an optional peer dependency): `createQueuePool` sends
 * tasks as jobs to a queue in Redis; `serveQueue` runs them in any number of processes. Node only.
 *
 * @packageDocumentation
 * @module rxjs-concurrency/bullmq
 */
export { createQueuePool, type QueuePoolOptions } from './createQueuePool.js';
export { serveQueue, type ServeQueueOptions, type QueueServer } from './serveQueue.js';
