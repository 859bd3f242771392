// A process serving the queue's jobs (spec/bullmq/ starts several; examples/queue-remote.ts too):
//   queue-server.ts <port | cluster:ports> <queue> <concurrency> [threads] [lockDuration] [stalledInterval]
// prints `ready` once it takes jobs and `closed` once close() has drained it (on SIGTERM).
import { createWorkerPool } from '../src/index.js';
import { serveQueue } from '../src/bullmq/index.js';
import { buildWorker } from '../scripts/build-worker.js';
import { tasks } from './queue-tasks.js';
import { Cluster } from 'ioredis';
import { addressOf } from '../scripts/redis-target.js';

const [address, queue, concurrency, threads, lockDuration, stalledInterval] = process.argv.slice(2);
// a port, or a Redis Cluster's ports (`cluster:7000,7001,…`): then the connection is an ioredis
// Cluster and the queue's keys share one slot through a hash-tagged prefix, as BullMQ asks
const target = addressOf(address!);
const connection = target.cluster
  ? new Cluster(target.ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: { maxRetriesPerRequest: null } })
  : { host: '127.0.0.1', port: target.ports[0], maxRetriesPerRequest: null };
// `threads`: each job on a worker thread of this process, which a cancel can terminate
const local = threads === 'threads' ? createWorkerPool<typeof tasks>(await buildWorker('examples/queue-tasks.ts'), { cancelGrace: 50 }) : undefined;
const server = await serveQueue(local ?? tasks, {
  connection,
  queue: queue!,
  concurrency: Number(concurrency),
  ...(target.cluster ? { prefix: '{bull}' } : {}),
  ...(lockDuration ? { lockDuration: Number(lockDuration) } : {}),
  ...(stalledInterval ? { stalledInterval: Number(stalledInterval) } : {}),
});
console.log('ready');
process.on('SIGTERM', () => {
  void server.close().then(async () => {
    await local?.terminate();
    console.log('closed');
    process.exit(0);
  });
});
