// The handlers that examples/queue-server.ts serves (and spec/bullmq/ runs as jobs): a worker module
// like any other. Each handler that the tests watch prints a line to stdout: `start <tag>`, `aborted
// <tag>`, so the test sees what ran in which process.
import { exposeWorker, type WorkerContext } from '../src/worker/index.js';

class CustomError extends Error {
  override name = 'CustomError';
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export const tasks = exposeWorker({
  add: (a: number, b: number) => a + b,
  pid: () => process.pid,
  bytes: (data: Float64Array) => data.reduce((sum, x) => sum + x, 0),
  *count(to: number) {
    for (let i = 1; i <= to; i++) yield i;
  },
  async *countSlowly(to: number, ms: number, tag: string) {
    say(`start ${tag}`);
    for (let i = 1; i <= to; i++) {
      await new Promise((r) => setTimeout(r, ms));
      yield i;
    }
  },
  fail: (message: string) => {
    throw new CustomError(message);
  },
  /** Waits `ms` (then prints `done <tag>`), or until cancelled. */
  wait: (tag: string, ms: number, ctx: WorkerContext) => {
    say(`start ${tag}`);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        say(`done ${tag}`);
        resolve(tag);
      }, ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        say(`aborted ${tag}`);
        reject(ctx.signal.reason);
      });
    });
  },
  /** A synchronous loop that never yields the thread, but asks whether it was cancelled. */
  spinPolitely: (tag: string, ctx: WorkerContext) => {
    say(`start ${tag}`);
    try {
      for (;;) ctx.throwIfCancelled();
    } finally {
      say(`aborted ${tag}`);
    }
  },
  /** A synchronous loop that ignores its cancel: only a thread's termination stops it. */
  spin: (tag: string) => {
    say(`start ${tag}`);
    for (;;) {
      // never asks
    }
  },
});
