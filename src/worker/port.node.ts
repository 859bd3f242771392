import { isMainThread, parentPort } from 'node:worker_threads';

/** In Node: the worker thread's `parentPort`, or undefined on the main thread. */
export function workerEndpoint(): unknown {
  return isMainThread ? undefined : (parentPort ?? undefined);
}
