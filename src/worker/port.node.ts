import { isMainThread, parentPort, receiveMessageOnPort } from 'node:worker_threads';

/** In Node: the worker thread's `parentPort`, or undefined on the main thread. */
export function workerEndpoint(): unknown {
  return isMainThread ? undefined : (parentPort ?? undefined);
}

/** In a Node worker: the next message if one is waiting, without a turn of the event loop. */
export const receiveNow: (() => { message: unknown } | undefined) | undefined =
  isMainThread || !parentPort ? undefined : () => receiveMessageOnPort(parentPort!) as { message: unknown } | undefined;
