import { Observable, type ObservableInput } from 'rxjs';
import { CallbackSubscriber } from './internal/core/subscribers.js';
import { checkFunction } from './internal/core/validate.js';
import { toObservable } from './internal/core/inputs.js';

/**
 * Makes any AbortSignal API cancellable by unsubscription: `factory(signal)` is called on each
 * subscription, and unsubscribing before its result settles aborts `signal`. `fetch`, Node's timers
 * and streams, and every other API that takes a signal become Observables that cancel properly.
 * Once the result has completed or errored, unsubscribing aborts nothing.
 *
 * ```text
 * fromAbortable(signal => fetch(url, { signal }))
 * subscription:  ^------!
 * signal:        -------aborted       the request is cancelled, the server sees the socket close
 * ```
 *
 * @example
 * ```ts
 * import { fromAbortable, timeoutWith } from 'rxjs-concurrency';
 *
 * fromAbortable((signal) => fetch('/api/report', { signal }).then((r) => r.json()))
 *   .pipe(timeoutWith(5000)) // the deadline aborts the request itself
 *   .subscribe(render);
 * ```
 */
export function fromAbortable<T>(factory: (signal: AbortSignal) => ObservableInput<T>): Observable<T> {
  checkFunction('fromAbortable', 'factory', factory);
  return new Observable<T>((subscriber) => {
    const controller = new AbortController();
    let settled = false;
    const inner = new CallbackSubscriber<T>(
      subscriber,
      (value) => subscriber.next(value),
      (error) => {
        settled = true;
        subscriber.error(error);
      },
      () => {
        settled = true;
        subscriber.complete();
      },
    );
    subscriber.add(() => {
      if (!settled) controller.abort();
    });
    let result: Observable<T>;
    try {
      result = toObservable('fromAbortable', 'the result of factory(signal)', factory(controller.signal));
    } catch (error) {
      settled = true;
      return subscriber.error(error);
    }
    result.subscribe(inner);
  });
}
