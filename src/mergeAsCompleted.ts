import type { Observable, ObservableInput, ObservableInputTuple } from 'rxjs';
import { asCompleted, type AsCompletedOptions, type SourcesInput } from './internal/asCompleted.js';
import { typeError } from './internal/core/validate.js';
import type { Completed, SchedulerOptions, Settled } from './types.js';

/** Options of {@link mergeAsCompleted}. */
export interface MergeAsCompletedOptions extends SchedulerOptions {
  /** At most this many sources subscribed at once; the rest start in input order. Default `Infinity`. */
  readonly concurrency?: number;
  /** Milliseconds from subscription until every unfinished source is cancelled. */
  readonly timeout?: number;
  /** Emit a `Settled` per source instead of failing fast. */
  readonly settle?: boolean;
}

/**
 * Runs the sources as tasks and emits one item per source in the order they *complete*:
 * asyncio's `as_completed`. A source's result is its last value; one that completes empty fails
 * with `EmptyError`.
 *
 * - Without `settle` each item is `{ index, value }`, and the first failure errors the output after
 *   unsubscribing every active source (sources not yet started never are): asyncio's
 *   `wait(return_when=FIRST_EXCEPTION)`.
 * - With `settle: true` each item is a `Settled`, and the output never errors because of a source.
 * - `concurrency` limits how many sources run at once.
 * - `timeout`: after that many ms every active source is cancelled; without `settle` the output
 *   errors with rxjs's `TimeoutError`, with `settle` every unfinished source yields a `rejected`
 *   item (reason `TimeoutError`) in index order and the output completes.
 * - Sources may be an iterable or an Observable of sources (index = arrival order).
 *
 * ```text
 * s0:       ----a|
 * s1:       -b|
 * s2:         --c|
 * mergeAsCompleted([s0, s1, s2], { concurrency: 2 }) — values shown
 * output:   --b--(ac|)
 * s0 subs:  ^----!
 * s1 subs:  ^-!
 * s2 subs:  --^--!
 * ```
 *
 * @example
 * ```ts
 * import { timer, map } from 'rxjs';
 * import { mergeAsCompleted } from 'rxjs-concurrency';
 *
 * const item = (id: number, seconds: number) => timer(seconds * 1000).pipe(map(() => `item ${id}`));
 * mergeAsCompleted([item(1, 3), item(2, 1), item(3, 2)])
 *   .subscribe(({ index, value }) => console.log(index, value)); // 1 item 2, 2 item 3, 0 item 1
 * ```
 */
export function mergeAsCompleted<A extends readonly unknown[]>(
  sources: readonly [...ObservableInputTuple<A>],
  options: MergeAsCompletedOptions & { readonly settle: true },
): Observable<Settled<A[number]>>;
export function mergeAsCompleted<A extends readonly unknown[]>(
  sources: readonly [...ObservableInputTuple<A>],
  options?: MergeAsCompletedOptions & { readonly settle?: false },
): Observable<Completed<A[number]>>;
export function mergeAsCompleted<T>(
  sources: SourcesInput<T>,
  options: MergeAsCompletedOptions & { readonly settle: true },
): Observable<Settled<T>>;
export function mergeAsCompleted<T>(
  sources: SourcesInput<T>,
  options?: MergeAsCompletedOptions & { readonly settle?: false },
): Observable<Completed<T>>;
export function mergeAsCompleted<T>(
  sources: SourcesInput<T>,
  options?: MergeAsCompletedOptions,
): Observable<Completed<T> | Settled<T>>;
export function mergeAsCompleted<T>(
  sources: Iterable<ObservableInput<T>> | Observable<ObservableInput<T>>,
  options?: MergeAsCompletedOptions,
): Observable<Completed<T> | Settled<T>> {
  const settle = options?.settle;
  if (settle !== undefined && typeof settle !== 'boolean') typeError('mergeAsCompleted', 'options.settle', 'a boolean', settle);
  return asCompleted<T, Completed<T> | Settled<T>>('mergeAsCompleted', sources, options as AsCompletedOptions | undefined, settle);
}
