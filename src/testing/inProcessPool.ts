import type { WorkerPool, WorkerPoolOptions } from 'rxjs-concurrency';
import { Pool, type Platform } from '../internal/pool/pool.js';
import { checkPoolOptions } from '../internal/pool/types.js';
import type { FromWorker, ToWorker } from '../internal/pool/protocol.js';
import type { WorkerHandlers } from '../types.js';
import { installRuntime } from '../worker/runtime.js';

/**
 * The in-process "worker": the same runtime as a real worker, wired to the pool by direct calls.
 * Messages are delivered synchronously and are not cloned.
 */
function inProcessPlatform(handlers: WorkerHandlers): Platform {
  return {
    spawnWorker(_source, _limits, events) {
      let deliver: ((message: ToWorker) => void) | undefined;
      let alive = true;
      installRuntime(
        {
          on: (_event: 'message', listener: (message: ToWorker) => void) => (deliver = listener),
          postMessage: (message: FromWorker) => alive && events.message(message),
        },
        handlers,
      );
      return {
        post: (message) => alive && deliver?.(message),
        terminate: () => {
          // a real worker's thread dies with its tasks; here they must be stopped by hand
          deliver?.({ t: 'stop' });
          alive = false;
          return Promise.resolve();
        },
        ref: () => undefined,
        unref: () => undefined,
      };
    },
    logicalCores: () => 2,
    unrefTimers: false,
  };
}

/**
 * A pool with the `createWorkerPool` interface that runs `handlers` on the calling thread, so code
 * that uses `fromWorker` can be tested under jsdom and in virtual time (`TestScheduler.run` drives
 * handlers that return rxjs Observables). Handlers get the same `ctx` and their results arrive the
 * same way as from a real worker; arguments and results are passed as they are, not cloned.
 *
 * Differences from a real pool: a synchronous handler runs to its end before `fromWorker`'s
 * subscribe returns, so it cannot be cancelled mid-way; `size` (default `Infinity`) limits how many
 * tasks run at once, and `idleTimeout`/`cancelGrace` default to `Infinity` (no timers).
 *
 * ```text
 * inProcessPool({ double: (n: number) => n * 2 })
 * fromWorker(pool, 'double', 21)   (42|)      synchronously, on this thread
 * ```
 *
 * @example
 * ```ts
 * import { fromWorker } from 'rxjs-concurrency';
 * import { inProcessPool } from 'rxjs-concurrency/testing';
 * import { tasks } from '../src/tasks.worker.js'; // importing it on the main thread is harmless
 *
 * const pool = inProcessPool(tasks);
 * expect(await lastValueFrom(fromWorker(pool, 'fib', 10))).toBe(55);
 * ```
 */
export function inProcessPool<H extends WorkerHandlers>(handlers: H, options?: WorkerPoolOptions): WorkerPool<H> {
  const fn = 'inProcessPool';
  if (handlers === null || typeof handlers !== 'object') throw new TypeError(`${fn}: handlers must be an object of functions, got ${handlers === null ? 'null' : typeof handlers}`);
  for (const [name, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function') throw new TypeError(`${fn}: handlers.${name} must be a function, got ${typeof handler}`);
  }
  const opts = checkPoolOptions(fn, options);
  // an option given as undefined takes its default, as everywhere
  return new Pool<H>(inProcessPlatform(handlers), { inline: true }, {
    ...opts,
    size: opts.size ?? Infinity,
    idleTimeout: opts.idleTimeout ?? Infinity,
    cancelGrace: opts.cancelGrace ?? Infinity,
  });
}
