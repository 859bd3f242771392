import * as platform from '#spawn';
import { Pool, checkPoolOptions, type TaskObserver, type WorkerPoolOptions, type WorkerPoolStats, type WorkerTask } from './internal/pool/pool.js';
import { rangeError, typeError } from './internal/core/validate.js';
import type { WorkerHandlers } from './types.js';

export type { TaskObserver, WorkerPoolOptions, WorkerPoolStats, WorkerTask } from './internal/pool/pool.js';

/**
 * A pool of workers serving the handlers of one worker module (`H` is `typeof tasks` of that
 * module). `fromWorker(pool, name, ...args)` runs tasks on it; `inProcessPool` (from
 * `rxjs-concurrency/testing`) has the same interface and runs them on the calling thread.
 */
export interface WorkerPool<H extends WorkerHandlers = WorkerHandlers> {
  /** `{ workers, busy, queued }` now. */
  readonly stats: WorkerPoolStats;
  /** Stops every worker; running and queued tasks error, later ones too. */
  terminate(): Promise<void>;
  /**
   * Runs one task and reports to `observer`; the returned function cancels it (removes it from the
   * queue, or aborts it in its worker). `fromWorker` calls this; you rarely need to.
   */
  run(task: WorkerTask, observer: TaskObserver): () => void;
  /** Type-level only: the handlers this pool serves. Never set at run time. */
  readonly handlers?: H;
}

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
  const pool = new Pool(platform, { url }, checkPoolOptions(fn, options));
  return {
    get stats() {
      return pool.stats;
    },
    terminate: () => pool.terminate(),
    run: (task, observer) => pool.run(task, observer),
  };
}

/** The shared pool of inline functions (`fromWorker(fn, ...args)`), made on first use. */
let inlinePool: Pool | undefined;
export function sharedInlinePool(): Pool {
  return (inlinePool ??= new Pool(platform, { inline: true }, {}));
}
