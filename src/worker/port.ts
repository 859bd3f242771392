/** In a browser: the Web Worker's global scope, or undefined on a page's main thread. */
export function workerEndpoint(): unknown {
  const scope = globalThis as { WorkerGlobalScope?: abstract new () => unknown; postMessage?: unknown };
  return typeof scope.WorkerGlobalScope === 'function' && globalThis instanceof scope.WorkerGlobalScope ? globalThis : undefined;
}

/** In a browser a message cannot be received synchronously. */
export const receiveNow = undefined;
