// A mistake that must be reported about itself (spec/types.spec.ts checks the message).
import { createWorkerPool, fromWorker } from 'rxjs-concurrency';

const tasks = {
  fib: (n: number): number => n,
  later: async (label: string, ms: number) => label.repeat(ms),
};
const pool = createWorkerPool<typeof tasks>(new URL('file:///tasks.worker.js'));
fromWorker(pool, 'fibx', 40);
