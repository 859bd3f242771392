/**
 * The message protocol between a pool and its workers, shared by the Node and browser adapters.
 *
 * main → worker: `init` (the shared cancel flag, and the bell: a counter of the `run` messages
 * posted, which an idle Node worker waits on with `Atomics.wait`, and the claim of the task sent
 * ahead), `run` (a task by name, or an inline function's source; `ahead` when it is sent while the
 * worker still runs another, to start only if the claim is still the worker's), `cancel`, `stop`
 * (cancel everything: the in-process pool's terminate). worker → main: `skipped` (a task sent ahead
 * that the pool took back, so it did not run), `next`,
 * `nexts` (several values of a synchronous iterator at once), `error`, `complete`, and `value` (a
 * last value and the completion in one message, for plain and promised results); after a `cancel`, the worker's
 * `error` or `complete` for that task says it has stopped and is free again.
 */
export type ToWorker =
  | { readonly t: 'init'; readonly flags: SharedArrayBuffer | undefined; readonly bell?: SharedArrayBuffer }
  | { readonly t: 'run'; readonly id: number; readonly name?: string; readonly fn?: string; readonly args: readonly unknown[]; readonly ahead?: true }
  | { readonly t: 'cancel'; readonly id: number }
  | { readonly t: 'stop' };

export type FromWorker =
  | { readonly t: 'next'; readonly id: number; readonly value: unknown }
  | { readonly t: 'nexts'; readonly id: number; readonly values: readonly unknown[] }
  | { readonly t: 'value'; readonly id: number; readonly value: unknown }
  | { readonly t: 'error'; readonly id: number; readonly error: SerializedError }
  | { readonly t: 'complete'; readonly id: number }
  | { readonly t: 'skipped'; readonly id: number };

/** An error as it crosses the thread boundary: Error instances keep name, message and stack. */
export type SerializedError =
  | { readonly kind: 'error'; readonly name: string; readonly message: string; readonly stack: string | undefined }
  | { readonly kind: 'value'; readonly value: unknown };

/** The brand of a `transfer()` marker: a string, so that it is recognised across module copies. */
export const TRANSFER_BRAND = '__rxjsConcurrencyTransfer';

/** A value marked to be moved, not copied, across the thread boundary. */
export interface Transferring<T> {
  readonly [TRANSFER_BRAND]: true;
  readonly value: T;
  readonly transferables: readonly Transferable[];
}

export function isTransferring(value: unknown): value is Transferring<unknown> {
  return value !== null && typeof value === 'object' && (value as Record<string, unknown>)[TRANSFER_BRAND] === true;
}

/** A task's arguments as they will be posted, and what they move. */
export interface Prepared {
  readonly args: unknown[];
  readonly transfer: Transferable[];
}

/** An `ArrayBuffer` that an earlier `postMessage` moved away: Node 20 would post it as empty. */
function isDetached(item: unknown): boolean {
  if (!(item instanceof ArrayBuffer) || item.byteLength > 0) return false;
  try {
    structuredClone(item);
    return false;
  } catch {
    return true;
  }
}

/**
 * Unwraps the `transfer()` markers among `args` and collects what they move. A buffer that an
 * earlier run already moved (a `retry` or `repeat` of the same `fromWorker`) is a `TypeError`.
 */
export function prepareArgs(fn: string, args: readonly unknown[]): Prepared {
  const transfer: Transferable[] = [];
  const out = args.map((arg, index) => {
    if (!isTransferring(arg)) return arg;
    for (const item of arg.transferables) {
      if (isDetached(item)) {
        throw new TypeError(
          `${fn}: argument ${index} was already transferred by an earlier subscription, so its buffer is empty (detached). ` +
            'transfer() moves a buffer once: build a fresh one for each subscription, e.g. ' +
            'defer(() => fromWorker(pool, name, transfer(fresh, [fresh.buffer])))',
        );
      }
    }
    transfer.push(...arg.transferables);
    return arg.value;
  });
  return { args: out, transfer };
}

const ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Rebuilds a worker's error on this side with the same name, message and stack. */
export function deserializeError(error: SerializedError): unknown {
  if (error.kind === 'value') return error.value;
  const ErrorClass = ERRORS[error.name] ?? Error;
  const rebuilt = new ErrorClass(error.message);
  if (rebuilt.name !== error.name) Object.defineProperty(rebuilt, 'name', { value: error.name, configurable: true, writable: true });
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
