/**
 * What runs inside a worker: `exposeWorker` and its types.
 *
 * @packageDocumentation
 * @module rxjs-concurrency/worker
 */
import { receiveNow, workerEndpoint } from '#port';
import { installRuntime } from './runtime.js';

export { transfer } from '../transfer.js';

export type { WorkerContext, WorkerHandlers } from '../types.js';
import type { WorkerHandlers } from '../types.js';

/**
 * Serves `handlers` from this worker (Node `worker_threads` or a browser module Web Worker):
 * `run_in_executor`'s far side. Each handler receives its arguments and a last `ctx`
 * (`{ signal, throwIfCancelled }`); what it returns arrives as `next`s then `complete`: a plain
 * value (arrays and typed arrays included) or a promise's value as one `next`; a generator or other
 * iterator, an AsyncIterable or an Observable as one `next` per value. A thrown error arrives with
 * its name, message and stack. Returns `handlers`, so `typeof tasks` types the pool.
 *
 * Imported on a main thread (for its types), it does nothing.
 *
 * ```text
 * fromWorker(pool, 'primes', 10)
 * worker:  primes(10, ctx) yields 2, 3, 5, 7
 * output:  --2--3--5--7|
 * ```
 *
 * @example
 * ```ts
 * // tasks.worker.ts
 * import { exposeWorker } from 'rxjs-concurrency/worker';
 *
 * export const tasks = exposeWorker({
 *   fib: (n: number): number => (n < 2 ? n : tasks.fib(n - 1) + tasks.fib(n - 2)),
 *   *primes(limit: number, ctx: WorkerContext) { for (let n = 2; n < limit; n++) { ctx.throwIfCancelled(); if (isPrime(n)) yield n; } },
 * });
 * ```
 */
export function exposeWorker<H extends WorkerHandlers>(handlers: H): H {
  if (handlers === null || typeof handlers !== 'object') {
    throw new TypeError(`exposeWorker: handlers must be an object of functions, got ${handlers === null ? 'null' : typeof handlers}`);
  }
  for (const [name, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function') throw new TypeError(`exposeWorker: handlers.${name} must be a function, got ${typeof handler}`);
  }
  const endpoint = workerEndpoint();
  if (endpoint) installRuntime(endpoint, handlers, receiveNow);
  return handlers;
}
