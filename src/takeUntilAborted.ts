import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { CallbackSubscriber } from './internal/core/subscribers.js';
import { typeError } from './internal/core/validate.js';

/** Whether `value` looks like an AbortSignal (works across realms, where `instanceof` does not). */
function isAbortSignal(value: unknown): value is AbortSignal {
  const s = value as Partial<AbortSignal> | null;
  return s !== null && typeof s === 'object' && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function';
}

/**
 * Lets an outside `AbortSignal` end a stream: when it aborts (at once if it already has), the source
 * is unsubscribed and the output completes. The listener is removed on every exit path: complete,
 * error, unsubscribe and abort.
 *
 * ```text
 * source:  --a--b--c--d--
 * signal:  --------abort
 * output:  --a--b--|           the source is unsubscribed at the abort
 * ```
 *
 * @example
 * ```ts
 * import { takeUntilAborted } from 'rxjs-concurrency';
 *
 * const shutdown = new AbortController();
 * ticks$.pipe(takeUntilAborted(shutdown.signal)).subscribe({ complete: () => console.log('stopped') });
 * process.once('SIGTERM', () => shutdown.abort());
 * ```
 */
export function takeUntilAborted<T>(signal: AbortSignal): MonoTypeOperatorFunction<T> {
  if (!isAbortSignal(signal)) typeError('takeUntilAborted', 'signal', 'an AbortSignal', signal);
  return (source) =>
    new Observable<T>((subscriber) => {
      if (signal.aborted) return subscriber.complete();
      const inner = new CallbackSubscriber<T>(
        subscriber,
        (value) => subscriber.next(value),
        (error) => subscriber.error(error),
        () => subscriber.complete(),
      );
      const onAbort = () => {
        inner.unsubscribe();
        subscriber.complete();
      };
      signal.addEventListener('abort', onAbort);
      subscriber.add(() => signal.removeEventListener('abort', onAbort));
      source.subscribe(inner);
    });
}
