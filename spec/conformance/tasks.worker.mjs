// The worker module of the conformance suite: the same file for every runtime.
import { exposeWorker, transfer } from 'rxjs-concurrency/worker';
import { interval, map, take } from 'rxjs';

export const tasks = exposeWorker({
  add: (a, b) => a + b,
  *naturals() {
    for (let i = 0; ; i++) yield i;
  },
  ticks: (n) => interval(2).pipe(take(n), map((i) => i * 10)),
  spinPolitely: (ctx) => {
    for (;;) ctx.throwIfCancelled();
  },
  spin: () => {
    for (;;) {
      // never looks at ctx: only terminating the worker stops it
    }
  },
  fail: (message) => {
    throw new RangeError(message);
  },
  die: () => process.exit(3),
  sum: (buffer) => new Uint8Array(buffer).reduce((a, b) => a + b, 0),
  fill: (n) => {
    const buffer = new ArrayBuffer(n);
    new Uint8Array(buffer).fill(1);
    return transfer(buffer, [buffer]);
  },
});
