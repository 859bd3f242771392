// asyncio's loop.run_in_executor for CPU-heavy code: the main thread keeps ticking, and unlike a
// thread in an executor, a running task can really be cancelled.
import { interval, lastValueFrom, take, tap } from 'rxjs';
import { fromWorker, type WorkerContext } from '../src/index.js';
import { runIfMain, type Log } from './log.js';

/** Deliberately slow: no closure over outer variables, so it can run in a worker. */
const fib = (n: number): number => {
  const f = (k: number): number => (k < 2 ? k : f(k - 1) + f(k - 2));
  return f(n);
};

/** Counts primes, checking for cancellation in its synchronous loop. */
const countPrimes = (limit: number, ctx: WorkerContext): number => {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    if (n % 1000 === 0) ctx.throwIfCancelled();
    let prime = true;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
    if (prime) count++;
  }
  return count;
};

export default async function executor(log: Log): Promise<{ ticks: number; result: number; cancelled: boolean }> {
  log('-- fromWorker: fib(38) in a worker while the main thread keeps ticking');
  let ticks = 0;
  const ticker = interval(50).subscribe(() => log(`main thread: tick ${++ticks}`));
  const result = await lastValueFrom(fromWorker(fib, 38).pipe(tap((v) => log(`worker: fib(38) = ${v}`))));
  ticker.unsubscribe();

  log('-- a long CPU task is cancelled mid-way');
  let finished = false;
  const long = fromWorker(countPrimes, 50_000_000).subscribe({ next: () => (finished = true) });
  await lastValueFrom(interval(100).pipe(take(2), tap((i) => log(`main thread: still responsive (${i + 1})`))));
  long.unsubscribe();
  log('main: unsubscribed; the worker sees the cancel inside its loop and is free again');
  log(`worker said: ${await lastValueFrom(fromWorker((a: number, b: number) => a + b, 2, 2))} (2 + 2, from the same pool)`);
  return { ticks, result, cancelled: !finished };
}

runIfMain(import.meta.url, executor);
