// createQueuePool + serveQueue against plain BullMQ (queue.add + QueueEvents/job.waitUntilFinished)
// on the same redis-server, each with 2 worker processes on this machine, tiny jobs.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { fromWorker } from '../src/index.js';
import { createQueuePool } from '../src/bullmq/index.js';
import { startRedis } from '../scripts/redis-server.js';
import type { tasks } from '../examples/queue-tasks.js';
import { pair, percentile, quick, record } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function start(script: string, args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${root}${script}`, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
}

export async function queueWorkers(): Promise<void> {
  const server = await startRedis();
  const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
  const children: ChildProcess[] = [];
  const pool = createQueuePool<typeof tasks>({ connection, queue: 'ours' });
  const queue = new Queue('plain', { connection, defaultJobOptions: { removeOnComplete: { count: 10_000 }, removeOnFail: { count: 1000 } } });
  const events = new QueueEvents('plain', { connection });
  queue.setMaxListeners(0); // waitUntilFinished adds a listener per job
  const publisher = new Redis(connection);
  try {
    for (const q of ['ours', 'plain']) {
      for (let i = 0; i < 2; i++) {
        children.push(await (q === 'ours' ? start('examples/queue-server.ts', [String(server.port), 'ours', '4']) : start('bench/bullmq-worker.ts', [String(server.port), 'plain', '4'])));
      }
    }
    await events.waitUntilReady();
    const plainJob = async (a: number) => (await queue.add('add', { a, b: 1 })).waitUntilFinished(events) as Promise<number>;
    const oursJob = (a: number) => lastValueFrom(fromWorker(pool, 'add', a, 1));

    const n = quick ? 300 : 2000;
    await pair({
      group: 'bullmq',
      name: `${n} tiny jobs at once, 2 worker processes (time)`,
      peerName: 'BullMQ + QueueEvents',
      ours: () => Promise.all(Array.from({ length: n }, (_, i) => oursJob(i))),
      peer: () => Promise.all(Array.from({ length: n }, (_, i) => plainJob(i))),
      max: 1 / 0.9,
      rounds: quick ? 3 : 7,
      note: 'throughput ≥ 0.9× plain BullMQ',
    });
    const sequential = quick ? 30 : 200;
    await pair({
      group: 'bullmq',
      name: `round trip of one job, ${sequential} in a row (time)`,
      peerName: 'BullMQ + QueueEvents',
      ours: async () => {
        for (let i = 0; i < sequential; i++) await oursJob(i);
      },
      peer: async () => {
        for (let i = 0; i < sequential; i++) await plainJob(i);
      },
      max: 1.2,
      rounds: quick ? 3 : 7,
    });

    // cancel a running cooperative job, then the next job: ms from the cancel to the next job's result
    const tries = quick ? 5 : 20;
    const oursCancel: number[] = [];
    const plainCancel: number[] = [];
    for (let i = 0; i < tries; i++) {
      // fill every slot with a waiting job, so that the next job can run only once one is cancelled
      const blockers = Array.from({ length: 8 }, (_, k) => fromWorker(pool, 'wait', `b${i}-${k}`, 60_000).subscribe({ error: () => undefined }));
      while (pool.stats.busy < 8) await new Promise((r) => setTimeout(r, 2));
      let t = performance.now();
      blockers[0]!.unsubscribe();
      await oursJob(i);
      oursCancel.push(performance.now() - t);
      for (const b of blockers) b.unsubscribe();

      const jobs = await Promise.all(Array.from({ length: 8 }, () => queue.add('wait', {})));
      while ((await queue.getActiveCount()) < 8) await new Promise((r) => setTimeout(r, 2));
      t = performance.now();
      await publisher.publish('plain:cancel', jobs[0]!.id!);
      await plainJob(i);
      plainCancel.push(performance.now() - t);
      for (const job of jobs.slice(1)) await publisher.publish('plain:cancel', job.id!);
      while ((await queue.getActiveCount()) > 0) await new Promise((r) => setTimeout(r, 2));
    }
    const ours = percentile(oursCancel, 0.5);
    const peer = percentile(plainCancel, 0.5);
    record({
      group: 'bullmq',
      name: 'cancel a running job → the next job done, p50',
      ours,
      peer,
      peerName: 'BullMQ cancelJob via pub/sub',
      unit: 'ms',
      ratio: ours / peer,
      target: '—',
      met: undefined,
      note: "BullMQ's cancelJob works only in the job's process: the peer publishes to a channel its workers listen on",
    });
  } finally {
    await pool.terminate();
    await events.close();
    await queue.close();
    await publisher.quit();
    for (const c of children) c.kill('SIGKILL');
    await server.stop();
  }
}


