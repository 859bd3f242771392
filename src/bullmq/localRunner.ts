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
  /** Runs a task under the runtime id `id` (its cancel flag's slot); returns its cancel. */
  run(name: string, args: unknown[], sink: JobSink, id: number): () => void;
}

/**
 * Runs handlers on this thread with the same runtime as a worker thread: the same `ctx`, the same
 * ways of returning values. `flags` is the shared cancel flag array the cancel listener writes, so
 * that `ctx.throwIfCancelled()` sees a cancel while a synchronous loop keeps this thread busy.
 */
export function localRunner(handlers: WorkerHandlers, flags: Int32Array): Runner {
  const sinks = new Map<number, JobSink>();
  let deliver: ((message: ToWorker) => void) | undefined;
  installRuntime(
    {
      on: (_event: 'message', listener: (message: ToWorker) => void) => (deliver = listener),
      postMessage: (message: FromWorker) => {
        const sink = sinks.get(message.id);
        if (!sink) return;
        if (message.t === 'next') return sink.next(message.value);
        if (message.t === 'nexts') {
          for (const value of message.values) if (sinks.get(message.id) === sink) sink.next(value);
          return;
        }
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
    run(name, args, sink, id) {
      sinks.set(id, sink);
      deliver!({ t: 'run', id, name, args });
      return () => {
        if (sinks.delete(id)) deliver!({ t: 'cancel', id });
      };
    },
  };
}
