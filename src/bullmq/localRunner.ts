import type { FromWorker, SerializedError, ToWorker } from '../internal/pool/protocol.js';
import type { WorkerHandlers } from '../types.js';
import { installRuntime } from '../worker/runtime.js';

/** Where one job's results go, as the runtime reports them. */
export interface JobSink {
  next(value: unknown): void;
  /** a last value and the completion together */
  last(value: unknown): void;
  error(error: SerializedError): void;
  complete(): void;
}

/** Runs tasks; the returned function cancels one. */
export interface Runner {
  /** `starting(id)` is called just before the handler runs (which may keep the thread busy from then on). */
  run(name: string, args: unknown[], sink: JobSink, starting: (id: number) => void): { readonly id: number; cancel(): void };
}

/**
 * Runs handlers on this thread with the same runtime as a worker thread: the same `ctx`, the same
 * ways of returning values. `flags` is the shared cancel flag array the cancel listener writes, so
 * that `ctx.throwIfCancelled()` sees a cancel while a synchronous loop keeps this thread busy.
 */
export function localRunner(handlers: WorkerHandlers, flags: Int32Array): Runner {
  const sinks = new Map<number, JobSink>();
  let deliver: ((message: ToWorker) => void) | undefined;
  let nextId = 0;
  installRuntime(
    {
      on: (_event: 'message', listener: (message: ToWorker) => void) => (deliver = listener),
      postMessage: (message: FromWorker) => {
        const sink = sinks.get(message.id);
        if (!sink) return;
        if (message.t === 'next') return sink.next(message.value);
        sinks.delete(message.id);
        if (message.t === 'value') sink.last(message.value);
        else if (message.t === 'error') sink.error(message.error);
        else sink.complete();
      },
    },
    handlers,
  );
  deliver!({ t: 'init', flags: flags.buffer as SharedArrayBuffer });
  return {
    run(name, args, sink, starting) {
      // ids wrap far below 2^31 so that a flag slot (id % length) never holds a stale id of a live job
      nextId = nextId >= 1_000_000_000 ? 1 : nextId + 1;
      const id = nextId;
      sinks.set(id, sink);
      starting(id);
      deliver!({ t: 'run', id, name, args });
      return { id, cancel: () => sinks.has(id) && deliver!({ t: 'cancel', id }) };
    },
  };
}
