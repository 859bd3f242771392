import type { Observable, ObservableInputTuple } from 'rxjs';
import { asCompleted, type SourcesInput } from './internal/asCompleted.js';
import type { SchedulerOptions, Settled } from './types.js';

/** Options of {@link gatherSettled}. */
export interface GatherSettledOptions extends SchedulerOptions {
  /** At most this many sources subscribed at once; the rest start in input order. Default `Infinity`. */
  readonly concurrency?: number;
  /** Milliseconds after which every unfinished source is cancelled and settles as `rejected` with a `TimeoutError`. */
  readonly timeout?: number;
}

/** The `Settled` tuple that {@link gatherSettled} gives for a tuple of sources. */
export type SettledTuple<A extends readonly unknown[]> = { -readonly [K in keyof A]: Settled<A[K]> };

/**
 * Runs every source to its end and emits, once, an array in *input* order with a `Settled` per
 * source, then completes: asyncio's `gather(*aws, return_exceptions=True)`. It never errors because
 * of a source: a source's error, or `EmptyError` for one that completes without a value, is its
 * `rejected` entry. An empty input emits `[]`. `concurrency` and `timeout` behave as in
 * `mergeAsCompleted` with `settle: true`. A tuple of sources gives a tuple of `Settled`.
 *
 * ```text
 * s0:       --a---b|
 * s1:       ---#
 * s2:       -----c|
 * gatherSettled([s0, s1, s2]) — x: rejected
 * output:   -------(r|)    r = bxc
 * s0 subs:  ^------!
 * s1 subs:  ^--!
 * s2 subs:  ^-----!
 * ```
 *
 * @example
 * ```ts
 * import { defer } from 'rxjs';
 * import { gatherSettled } from 'rxjs-concurrency';
 *
 * gatherSettled([defer(() => fetch('/a')), defer(() => fetch('/b'))], { concurrency: 1, timeout: 5000 })
 *   .subscribe(([a, b]) => {
 *     if (a.status === 'fulfilled') console.log('a', a.value.status);
 *     if (b.status === 'rejected') console.warn('b failed', b.reason);
 *   });
 * ```
 */
export function gatherSettled<A extends readonly unknown[]>(
  sources: readonly [...ObservableInputTuple<A>],
  options?: GatherSettledOptions,
): Observable<SettledTuple<A>>;
export function gatherSettled<T>(sources: SourcesInput<T>, options?: GatherSettledOptions): Observable<Settled<T>[]>;
export function gatherSettled<T>(sources: SourcesInput<T>, options?: GatherSettledOptions): Observable<Settled<T>[]> {
  return asCompleted<T, Settled<T>[]>('gatherSettled', sources, options, true, true);
}
