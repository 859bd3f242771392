import { exposeWorker, transfer, type WorkerContext } from 'rxjs-concurrency/worker';

exposeWorker({
  inc: (x: number) => x + 1,
  spinPolitely: (ctx: WorkerContext) => {
    for (;;) ctx.throwIfCancelled();
  },
  spin: () => {
    for (;;) {
      // never looks at ctx
    }
  },
  /** the array back, copied */
  copy: (data: Float64Array) => data,
  /** the array back, moved */
  move: (data: Float64Array) => transfer(data, [data.buffer]),
  *stream(n: number) {
    for (let i = 0; i < n; i++) yield i;
  },
});
