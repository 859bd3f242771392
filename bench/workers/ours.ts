import { exposeWorker, type WorkerContext } from 'rxjs-concurrency/worker';

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
});
