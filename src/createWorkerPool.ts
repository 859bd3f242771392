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
 * ```
 */
export function createWorkerPool<H extends WorkerHandlers = WorkerHandlers>(url: URL | string, options?: WorkerPoolOptions): WorkerPool<H> {
  const fn = 'createWorkerPool';
  if (!(url instanceof URL) && typeof url !== 'string') typeError(fn, 'url', 'a URL or a string', url);
  if (typeof url === 'string' && url.length === 0) rangeError(fn, 'url', 'a non-empty string', url);
  return new Pool<H>(platform, { url }, checkPoolOptions(fn, options));
}

