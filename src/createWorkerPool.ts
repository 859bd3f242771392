import * as platform from '#spawn';
import { Pool } from './internal/pool/pool.js';
import { checkPoolOptions, type WorkerPool, type WorkerPoolOptions } from './internal/pool/types.js';
import { rangeError, typeError } from './internal/core/validate.js';
import type { WorkerHandlers } from './types.js';

export type { TaskObserver, WorkerPool, WorkerPoolOptions, WorkerPoolStats, WorkerTask } from './internal/pool/types.js';

/**
 * Creates a pool of workers running the module at `url` (which calls `exposeWorker`): asyncio's
 * executor for `run_in_executor`, but every task is cancellable. Node `worker_threads` or browser
 * module Web Workers, picked by the package's `exports` conditions.
 *
 * Instead of a URL, `spawn` may be a factory that makes each worker:
 * `() => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' })` — the form
 * that Vite, webpack 5, the Angular CLI and esbuild-based builders recognise and bundle as a worker
 * in production builds (a bare `new URL(…)` passed as a string is only an asset to them). It may
 * return a browser `Worker` or Node's `worker_threads` `Worker`, and is called each time the pool
 * starts a worker. A worker that fails to load errors its task with a `WorkerCrashedError` whose
 * message names the URL, or says it came from the factory.
 *
 * Workers start on demand, up to `size` (default: logical cores − 1, at least 1); tasks queue FIFO
 * when all are busy (`maxQueue` bounds the queue); a worker idle for `idleTimeout` ms stops, and an
 * idle worker never keeps a Node process alive. A crashed worker errors only its running task with
 * `WorkerCrashedError` and is replaced.
 *
 * ```text
 * pool = createWorkerPool(url, { size: 1 })
 * fromWorker(pool, 'slow', 1)   ^---------a|
 * fromWorker(pool, 'slow', 2)   ^ queued    ---------b|
 * ```
 *
 * @example
 * ```ts
 * import { createWorkerPool, fromWorker } from 'rxjs-concurrency';
 * import type { tasks } from './tasks.worker.js';
 *
 * const pool = createWorkerPool<typeof tasks>(new URL('./tasks.worker.js', import.meta.url), { size: 2 });
 * fromWorker(pool, 'fib', 40).subscribe((n) => console.log(n)); // Observable<number>
 *
 * // for a bundler: the factory form, written out in the app's code
 * const bundled = createWorkerPool<typeof tasks>(() => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' }));
 * ```
 */
export function createWorkerPool<H extends WorkerHandlers = WorkerHandlers>(
  spawn: URL | string | (() => SpawnedWorker),
  options?: WorkerPoolOptions,
): WorkerPool<H> {
  const fn = 'createWorkerPool';
  if (typeof spawn === 'function') return new Pool<H>(platform, { spawn }, checkPoolOptions(fn, options));
  if (!(spawn instanceof URL) && typeof spawn !== 'string') typeError(fn, 'url', 'a URL or a string (or a function that returns a Worker)', spawn);
  if (typeof spawn === 'string' && spawn.length === 0) rangeError(fn, 'url', 'a non-empty string', spawn);
  return new Pool<H>(platform, { url: spawn }, checkPoolOptions(fn, options));
}

/** What a `spawn` factory returns: a browser `Worker`, or Node's `worker_threads` `Worker`. */
export interface SpawnedWorker {
  postMessage(...args: never[]): void;
  terminate(): unknown;
}
