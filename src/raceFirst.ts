import { asyncScheduler, EmptyError, Observable, Subscription, type ObservableInput, type ObservableInputTuple } from 'rxjs';
import { CallbackSubscriber } from './internal/core/subscribers.js';
import { scheduleAfter } from './internal/core/timers.js';
import { trampoline } from './internal/core/trampoline.js';
import { checkDuration, checkOptions, checkScheduler } from './internal/core/validate.js';
import { toObservables } from './internal/core/inputs.js';
import type { SchedulerOptions } from './types.js';

/** Options of {@link raceFirst}. */
export interface RaceFirstOptions extends SchedulerOptions {
  /**
   * Hedged requests: start source k+1 this many ms after source k started, or at once when
   * source k fails, whichever comes first. Without it every source starts at once.
   */
  readonly stagger?: number;
}

/**
 * Races the sources; the first to emit a value wins and every other source is cancelled.
 * asyncio's `wait(return_when=FIRST_COMPLETED)` followed by cancelling the pending tasks, and, with
 * `stagger`, its `staggered_race`.
 *
 * - Every source is subscribed in input order. The first value decides the winner: every other
 *   source is unsubscribed (its teardown runs) *before* that value is forwarded.
 * - The output then mirrors the winner: its later values, its completion, its error.
 * - A source that errors, or completes without a value, before there is a winner has failed and the
 *   race goes on. When all have failed the output errors with an `AggregateError` whose `errors`
 *   hold each source's error in input order (`EmptyError` for the empty ones). No sources at all
 *   gives that error with an empty `errors`, at subscription.
 * - With `stagger`, timers not yet fired are cancelled when a winner exists.
 *
 * ```text
 * a:       -----a--b|
 * b:       --x------y|
 * c:       ------z|
 * raceFirst([a, b, c])
 * output:  --x------y|
 * a subs:  ^-!
 * b subs:  ^---------!
 * c subs:  ^-!
 * ```
 *
 * ```text
 * a:       -#
 * b:        --b|
 * c:           c|
 * raceFirst([a, b, c], { stagger: 3 })
 * output:  ---b|
 * a subs:  ^!
 * b subs:  -^--!
 * c subs:  (never subscribed)
 * ```
 *
 * @example
 * ```ts
 * import { ajax } from 'rxjs/ajax';
 * import { raceFirst } from 'rxjs-concurrency';
 *
 * const mirrors = ['https://a.example/data', 'https://b.example/data', 'https://c.example/data'];
 * // Ask the first mirror; if it has not answered within 200 ms ask the next one too.
 * raceFirst(mirrors.map((url) => ajax.getJSON(url)), { stagger: 200 })
 *   .subscribe((data) => console.log('fastest mirror said', data));
 * ```
 */
export function raceFirst<A extends readonly unknown[]>(
  sources: readonly [...ObservableInputTuple<A>],
  options?: RaceFirstOptions,
): Observable<A[number]>;
export function raceFirst<T>(sources: Iterable<ObservableInput<T>>, options?: RaceFirstOptions): Observable<T>;
export function raceFirst<T>(sources: Iterable<ObservableInput<T>>, options?: RaceFirstOptions): Observable<T> {
  const fn = 'raceFirst';
  const inputs = toObservables(fn, sources, 'an iterable of inputs');
  const opts = checkOptions(fn, options);
  const stagger = opts.stagger === undefined ? undefined : checkDuration(fn, 'options.stagger', opts.stagger);
  const scheduler = checkScheduler(fn, opts.scheduler) ?? asyncScheduler;
  const count = inputs.length;

  return new Observable<T>((subscriber) => {
    const inners: (Subscription | undefined)[] = new Array(count);
    const errors: unknown[] = new Array(count);
    let failed = 0;
    let winner = -1;
    let started = 0;
    // How many sources may be started by now: all of them, or with `stagger` one more per
    // timer or failure.
    let allowed = stagger === undefined ? count : 1;
    let timer: Subscription | undefined;

    if (count === 0) {
      subscriber.error(new AggregateError([], 'raceFirst: no sources to race'));
      return;
    }

    const cancelTimer = () => {
      timer?.unsubscribe();
      timer = undefined;
    };

    const allowNext = () => {
      cancelTimer();
      allowed++;
      startAllowed();
    };

    const fail = (index: number, error: unknown) => {
      if (winner >= 0) return;
      errors[index] = error;
      if (++failed === count) {
        subscriber.error(new AggregateError(errors, `raceFirst: all ${count} sources failed`));
      } else if (stagger !== undefined && index === started - 1 && started < count) {
        allowNext();
      }
    };

    const start = (index: number) => {
      if (stagger !== undefined && index + 1 < count && stagger !== Infinity) {
        timer = scheduleAfter(scheduler, stagger, allowNext);
        subscriber.add(timer);
      }
      let hasValue = false;
      const inner = new CallbackSubscriber<T>(
        subscriber,
        (value) => {
          if (winner < 0) {
            winner = index;
            cancelTimer();
            for (let i = 0; i < started; i++) if (i !== index) inners[i]?.unsubscribe();
          }
          // a loser whose value comes while the others are being torn down (one loser's teardown
          // can make another emit) is not forwarded: only the winner's values are
          if (winner !== index) return;
          hasValue = true;
          subscriber.next(value);
        },
        (error) => (winner === index ? subscriber.error(error) : fail(index, error)),
        () => (hasValue ? subscriber.complete() : fail(index, new EmptyError())),
      );
      inners[index] = inner;
      inputs[index]!.subscribe(inner);
    };

    const startAllowed = trampoline(() => {
      while (started < allowed && started < count && winner < 0 && !subscriber.closed) start(started++);
    });

    startAllowed();
  });
}
