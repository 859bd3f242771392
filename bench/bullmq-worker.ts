// A plain BullMQ worker process for bench/bullmq.ts: the peer of serveQueue. Its processor adds two
// numbers, or (`wait`) waits until BullMQ's own cancel aborts it. BullMQ's cancelJob works only in
// the process running the job, so this process hears cancels on a pub/sub channel and calls it.
//   bullmq-worker.ts <port> <queue> <concurrency>
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [port, queue, concurrency] = process.argv.slice(2);
const connection = { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null };
const worker = new Worker(
  queue!,
  async (job, _token, signal) => {
    if (job.name !== 'wait') return (job.data as { a: number; b: number }).a + (job.data as { a: number; b: number }).b;
    await new Promise<void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('cancelled'))));
    return 0;
  },
  { connection, concurrency: Number(concurrency) },
);
worker.on('error', () => undefined);
const cancels = new Redis(connection);
await cancels.subscribe(`${queue}:cancel`);
cancels.on('message', (_channel: string, jobId: string) => worker.cancelJob(jobId));
await worker.waitUntilReady();
console.log('ready');
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
