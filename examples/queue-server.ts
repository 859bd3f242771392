// A process serving the queue's jobs (spec/bullmq/ starts several; examples/queue-remote.ts too):
//   queue-server.ts <port> <queue> <concurrency> [threads] [lockDuration] [stalledInterval]
// prints `ready` once it takes jobs and `closed` once close() has drained it (on SIGTERM).
import { createWorkerPool } from '../src/index.js';
import { serveQueue } from '../src/bullmq/index.js';
import { buildWorker } from '../scripts/build-worker.js';
import { tasks } from './queue-tasks.js';

const [port, queue, concurrency, threads, lockDuration, stalledInterval] = process.argv.slice(2);
const connection = { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null };
// `threads`: each job on a worker thread of this process, which a cancel can terminate
const local = threads === 'threads' ? createWorkerPool<typeof tasks>(await buildWorker('examples/queue-tasks.ts'), { cancelGrace: 50 }) : undefined;
const server = await serveQueue(local ?? tasks, {
  connection,
  queue: queue!,
  concurrency: Number(concurrency),
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
