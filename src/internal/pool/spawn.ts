import type { FromWorker, ToWorker } from './protocol.js';
import { inlineWorkerSource } from '../../worker/runtime.js';

/** What the pool needs of a worker, whatever the platform. */
export interface WorkerHandle {
  post(message: ToWorker, transfer?: Transferable[]): void;
  terminate(): Promise<void>;
  /** Node: let the process exit while this worker idles (`unref`), or keep it alive (`ref`). */
  ref(): void;
  unref(): void;
}

export interface SpawnEvents {
  message(message: FromWorker): void;
  /** The worker died: an uncaught error, an exit, or memory exhausted. */
  crash(error: Error): void;
}

/**
 * Where a worker's code comes from: a module URL, a factory that makes the worker (the form bundlers
 * see), or the built-in runtime for inline functions.
 */
export type WorkerSource = { readonly url: URL | string } | { readonly spawn: () => unknown } | { readonly inline: true };

/** Browser adapter: module Web Workers; inline functions run in a classic worker made from a Blob. */
export function spawnWorker(source: WorkerSource, _resourceLimits: unknown, events: SpawnEvents): WorkerHandle {
  let worker: Worker;
  let blobUrl: string | undefined;
  if ('url' in source) {
    worker = new Worker(source.url, { type: 'module' });
  } else if ('spawn' in source) {
    worker = source.spawn() as Worker;
  } else {
    blobUrl = URL.createObjectURL(new Blob([inlineWorkerSource('self')], { type: 'text/javascript' }));
    worker = new Worker(blobUrl);
  }
  worker.addEventListener('message', (event: MessageEvent<FromWorker>) => events.message(event.data));
  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    events.crash(event.error instanceof Error ? event.error : new Error(event.message || 'The worker failed to load or threw outside a task'));
  });
  worker.addEventListener('messageerror', () => events.crash(new Error('A message from the worker could not be deserialized')));
  return {
    post: (message, transfer = []) => worker.postMessage(message, transfer),
    terminate: () => {
      worker.terminate();
      if (blobUrl) URL.revokeObjectURL(blobUrl);
      return Promise.resolve();
    },
    ref: () => undefined,
    unref: () => undefined,
  };
}

/** Logical cores, as the browser reports them. */
export function logicalCores(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
}

/** Whether the pool's timers may let the process exit (`unref`): Node only. */
export const unrefTimers = false;
