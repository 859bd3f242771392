import { availableParallelism, cpus } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { FromWorker } from './protocol.js';
import type { SpawnEvents, WorkerHandle, WorkerSource } from './spawn.js';
import { inlineWorkerSource } from '../../worker/runtime.js';

export type { SpawnEvents, WorkerHandle, WorkerSource } from './spawn.js';

/** Node adapter: `worker_threads`; inline functions run in an eval worker holding the runtime. */
export function spawnWorker(source: WorkerSource, resourceLimits: ResourceLimits | undefined, events: SpawnEvents): WorkerHandle {
  const worker =
    'url' in source
      ? new Worker(typeof source.url === 'string' && source.url.startsWith('file:') ? new URL(source.url) : source.url, { resourceLimits })
      : 'spawn' in source
        ? (source.spawn() as Worker)
        : new Worker(inlineWorkerSource("require('node:worker_threads').parentPort"), { eval: true, resourceLimits });
  let ended = false;
  worker.on('message', (message: FromWorker) => events.message(message));
  worker.on('error', (error: Error) => {
    if (ended) return;
    ended = true;
    events.crash(error);
  });
  worker.on('messageerror', (error: Error) => events.crash(error));
  worker.on('exit', (code) => {
    if (ended) return;
    ended = true;
    events.crash(new Error(`The worker exited with code ${code}`));
  });
  return {
    // a transfer list only when there is something to move: even an empty one slows postMessage down
    post: (message, transfer) => (transfer && transfer.length > 0 ? worker.postMessage(message, transfer as never) : worker.postMessage(message)),
    terminate: async () => {
      ended = true;
      await worker.terminate();
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

/** Logical cores, as Node reports them. */
export function logicalCores(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
}

/** Whether the pool's timers may let the process exit (`unref`): Node only. */
export const unrefTimers = true;
