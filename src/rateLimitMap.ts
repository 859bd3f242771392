import { defer, mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import { checkConcurrency, checkFunction, checkOptions, typeError } from './internal/core/validate.js';
import { sectionMap, weightsOf } from './internal/sections/sectionMap.js';
import { RateLimiter, checkRateOptions, type RateLimiterOptions } from './RateLimiter.js';
import type { KeyedRateLimitMapOptions } from './KeyedRateLimiter.js';
import type { KeyedPermitSource } from './types.js';

/** Options of {@link rateLimitMap}. */
export interface RateLimitMapOptions<T> {
  /** What each inner costs in the window: an integer from 1 to `limit`, or a function of the value. Default 1. */
  readonly cost?: number | ((value: T, index: number) => number);
  /** The most inners subscribed at once, waiting for the window or running. Default `Infinity`. */
  readonly concurrency?: number;
}

/** A `KeyedRateLimiter` by shape, so that rateLimitMap ships no keyed code of its own. */
interface KeyedMap {
  map_<T, R>(fn: string, project: (value: T, index: number) => ObservableInput<R>, options: unknown): OperatorFunction<T, R>;
}
const isKeyed = (value: unknown): value is KeyedMap => typeof (value as Partial<KeyedMap> | null)?.map_ === 'function';

/**
 * Like `mergeMap`, but each inner starts inside `limiter.section(…)`: a shared rate limit ("5 calls
 * per second") over every stream that uses the same `RateLimiter`. With `{ limit, interval }` a
 * private limiter is made for each subscription. `project` is called when the inner's turn comes,
 * not before. `concurrency` also caps how many inners are subscribed at once (waiting for the
 * window or running). An inner error errors the output after unsubscribing the other inners.
 *
 * ```text
 * source:       abcd----|
 * inner:        v|
 * rateLimitMap({ limit: 2, interval: 4 }, () => inner)
 * output:       vv--vv--|
 * source subs:  ^-------!
 * inner subs:   ^!
 * inner subs:   -^!
 * inner subs:   ----^!
 * inner subs:   -----^!
 * ```
 *
 * @example
 * ```ts
 * import { RateLimiter, rateLimitMap } from 'rxjs-concurrency';
 *
 * const github = new RateLimiter({ limit: 10, interval: 1000 });
 * repos$.pipe(rateLimitMap(github, (repo) => http.get(`/repos/${repo}`), { concurrency: 4 })).subscribe(show);
 * ```
 */
export function rateLimitMap<T, R, K>(
  limiter: KeyedPermitSource<K>,
  project: (value: T, index: number) => ObservableInput<R>,
  options: KeyedRateLimitMapOptions<T, K>,
): OperatorFunction<T, R>;
export function rateLimitMap<T, R>(
  limiter: RateLimiter | RateLimiterOptions,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: RateLimitMapOptions<T>,
): OperatorFunction<T, R>;
export function rateLimitMap<T, R>(
  limiter: RateLimiter | RateLimiterOptions | KeyedMap | KeyedPermitSource<unknown>,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: RateLimitMapOptions<T> & { readonly key?: unknown },
): OperatorFunction<T, R> {
  const fn = 'rateLimitMap';
  // a KeyedRateLimiter builds its own stream (a gate per value's key)
  if (isKeyed(limiter)) return limiter.map_(fn, project, options);
  const plain = limiter as RateLimiter | RateLimiterOptions;
  if (options?.key !== undefined) typeError(fn, 'options.key', 'undefined: a key goes with a KeyedRateLimiter', options.key);
  let maxCost: number;
  if (plain instanceof RateLimiter) maxCost = plain.limit;
  else {
    if (plain === null || typeof plain !== 'object') typeError(fn, 'limiter', 'a RateLimiter, { limit, interval } or { windows }', plain);
    maxCost = Math.min(...checkRateOptions(fn, plain).map((w) => w.limit));
  }
  checkFunction(fn, 'project', project);
  const opts = checkOptions(fn, options);
  const concurrency = checkConcurrency(fn, 'options.concurrency', opts.concurrency);
  const costOf = weightsOf(fn, 'cost', opts.cost ?? 1, maxCost);

  const limiterOf = () => (plain instanceof RateLimiter ? plain : new RateLimiter(plain));
  // without a concurrency cap: one object per inner, as semaphoreMap
  if (concurrency === Infinity) {
    return sectionMap(() => {
      const shared = limiterOf();
      return () => shared;
    }, project, costOf);
  }
  return (source) =>
    defer(() => {
      const shared = limiterOf();
      return source.pipe(mergeMap((value, index) => shared.section(() => project(value, index), costOf(value, index)), concurrency));
    });
}
