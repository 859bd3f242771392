// file: examples/recipes/queue-tasks.ts
// The handlers the queue's worker processes serve (docs/bullmq.md). The CPU-heavy part of `thumbnail`
// runs on this machine's own worker threads: a handler may itself use fromWorker.
import { lastValueFrom } from 'rxjs';
import { createWorkerPool, fromWorker, takeUntilAborted } from 'rxjs-concurrency';
import { exposeWorker, type WorkerContext } from 'rxjs-concurrency/worker';
import type { tasks as cpu } from './thumbnail.worker.js';

// started on first use: importing this module for its types starts nothing
let threads: ReturnType<typeof createWorkerPool<typeof cpu>> | undefined;
const local = () => (threads ??= createWorkerPool<typeof cpu>(new URL('./thumbnail.worker.js', import.meta.url)));

export const tasks = exposeWorker({
  *primes(limit: number, ctx: WorkerContext) {
    for (let n = 2; n < limit; n++) {
      ctx.throwIfCancelled(); // reaches this loop even while it holds the thread
      let prime = true;
      for (let d = 2; d * d <= n && prime; d++) prime = n % d !== 0;
      if (prime) yield n;
    }
  },
  thumbnail: (id: string, ctx: WorkerContext) =>
    // a cancel from the client aborts ctx.signal here, which cancels the thread's task in turn
    lastValueFrom(fromWorker(local(), 'thumbnail', id).pipe(takeUntilAborted(ctx.signal))),
});
