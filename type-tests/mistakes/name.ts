// A mistake that must be reported about itself (spec/types.spec.ts checks the message).
import { createWorkerPool, fromWorker } from 'rxjs-concurrency';

const tasks = {
  fib: (n: number): number => n, later: async (label: string, ms: number) => label.repeat(ms),
  countPrimes: (limit: number): number => limit, stubborn: (): number => 0,
};
const pool = createWorkerPool<typeof tasks>(new URL('file:///tasks.worker.js'));
fromWorker(pool, 'countPrime', 40);
