import {
  asyncScheduler,
  Observable,
  TimeoutError,
  type MonoTypeOperatorFunction,
  type ObservableInput,
  type OperatorFunction,
  type Subscription,
} from 'rxjs';
import { CallbackSubscriber } from './internal/core/subscribers.js';
import { scheduleAfter } from './internal/core/timers.js';
import { checkOptions, checkScheduler, rangeError, typeError } from './internal/core/validate.js';
import { toObservable } from './internal/core/inputs.js';
import type { SchedulerOptions } from './types.js';

/** What {@link timeoutWith} switches to at the deadline: an input, or a factory given the `TimeoutError`. */
export type TimeoutFallback<R> = ObservableInput<R> | ((error: TimeoutError) => ObservableInput<R>);

/**
 * Puts a deadline on the *whole* source (not on the gap between values, as rxjs's `timeout` does):
 * asyncio's `wait_for`, `timeout()` and `timeout_at()`.
 *
 * If the source has neither completed nor errored by `due` — ms after subscription, or an absolute
 * `Date` — it is unsubscribed (its teardown runs first), then the output switches to `fallback`, or
 * errors with rxjs's `TimeoutError` when there is none. A fallback factory receives that error.
 * Values before the deadline pass through unchanged. A source that completes synchronously on
 * subscription always wins, even with `due ≤ 0`; `due = Infinity` sets no timer.
 *
 * ```text
 * source:         --a--b--c--|
 * fallback:              -yz|
 * timeoutWith(7, fallback)
 * output:         --a--b--yz|
 * source subs:    ^------!
 * fallback subs:  -------^--!
 * ```
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { ajax } from 'rxjs/ajax';
 * import { timeoutWith } from 'rxjs-concurrency';
 *
 * ajax.getJSON<string[]>('/api/suggestions')
 *   .pipe(timeoutWith(2000, of([] as string[]))) // the whole request within 2 s, or no suggestions
 *   .subscribe((list) => console.log(list));
 * ```
 */
export function timeoutWith<T>(due: number | Date, fallback?: undefined | null, options?: SchedulerOptions): MonoTypeOperatorFunction<T>;
export function timeoutWith<T, R>(due: number | Date, fallback: TimeoutFallback<R>, options?: SchedulerOptions): OperatorFunction<T, T | R>;
export function timeoutWith<T, R>(
  due: number | Date,
  fallback?: TimeoutFallback<R> | null,
  options?: SchedulerOptions,
): OperatorFunction<T, T | R> {
  const fn = 'timeoutWith';
  if (due instanceof Date) {
    if (Number.isNaN(due.getTime())) throw new RangeError(`${fn}: due must be a valid Date, got Invalid Date`);
  } else if (typeof due !== 'number') {
    typeError(fn, 'due', 'a number of milliseconds or a Date', due);
  } else if (Number.isNaN(due)) {
    rangeError(fn, 'due', 'a number of milliseconds or a Date', due);
  }
  let makeFallback: ((error: TimeoutError) => ObservableInput<R>) | undefined;
  if (typeof fallback === 'function') makeFallback = fallback;
  else if (fallback !== undefined && fallback !== null) {
    const input = toObservable(fn, 'fallback', fallback);
    makeFallback = () => input;
  }
  const scheduler = checkScheduler(fn, checkOptions(fn, options).scheduler) ?? asyncScheduler;

  return (source) =>
    new Observable<T | R>((subscriber) => {
      const inner = new CallbackSubscriber<T>(
        subscriber,
        (value) => subscriber.next(value),
        (error) => subscriber.error(error),
        () => subscriber.complete(),
      );
      source.subscribe(inner);
      if (inner.closed) return;

      const delay = due instanceof Date ? due.getTime() - scheduler.now() : due;
      if (delay === Infinity) return;
      const timer: Subscription = scheduleAfter(scheduler, Math.max(0, delay), () => {
        inner.unsubscribe();
        const error = new TimeoutError();
        if (!makeFallback) return subscriber.error(error);
        let next: Observable<R>;
        try {
          next = toObservable(fn, 'the result of fallback(error)', makeFallback(error));
        } catch (thrown) {
          return subscriber.error(thrown);
        }
        next.subscribe(subscriber);
      });
      subscriber.add(timer);
    });
}
