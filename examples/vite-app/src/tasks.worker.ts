// The app's worker module: bundled by `vite build` because main.ts writes out
// `new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' })`.
import { exposeWorker, type WorkerContext } from 'rxjs-concurrency/worker';

export const tasks = exposeWorker({
  add: (a: number, b: number) => a + b,
  *count(to: number) {
    for (let i = 1; i <= to; i++) yield i;
  },
  spin: () => {
    for (;;) {
      // ignores its signal: only terminating the worker stops it
    }
  },
  spinPolitely: (ctx: WorkerContext) => {
    for (;;) ctx.throwIfCancelled();
  },
  check: (n: number) => {
    if (n < 0) throw new RangeError(`expected a count from 0 up, got ${n}`);
    return n;
  },
});
