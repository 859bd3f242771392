import { defer, mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import { checkConcurrency, checkFunction, checkInteger, checkOptions, typeError } from './internal/core/validate.js';
import { RateLimiter, checkRateOptions, type RateLimiterOptions } from './RateLimiter.js';

/** Options of {@link rateLimitMap}. */
export interface RateLimitMapOptions<T> {
  /** What each inner costs in the window: an integer from 1 to `limit`, or a function of the value. Default 1. */
  readonly cost?: number | ((value: T, index: number) => number);
  /** The most inners subscribed at once, waiting for the window or running. Default `Infinity`. */
  readonly concurrency?: number;
}

/**
 * Like `mergeMap`, but each inner starts inside `limiter.section(…)`: a shared rate limit ("5 calls
 * per second") over every stream that uses the same `RateLimiter`. With `{ limit, interval }` a
 * private limiter is made for each subscription. `project` is called when the inner's turn comes,
 * not before. `concurrency` also caps how many inners are subscribed at once (waiting for the
 * window or running). An inner error errors the output after unsubscribing the other inners.
 *
 * ```text
 * source:  abcd----|
 * rateLimitMap({ limit: 2, interval: 4 }, v => v|)
 * output:  ab--c d-|     c waits until a's start leaves the window (frame 4), d until b's
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
export function rateLimitMap<T, R>(
  limiter: RateLimiter | RateLimiterOptions,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: RateLimitMapOptions<T>,
): OperatorFunction<T, R> {
  const fn = 'rateLimitMap';
  if (!(limiter instanceof RateLimiter)) {
    if (limiter === null || typeof limiter !== 'object') typeError(fn, 'limiter', 'a RateLimiter or { limit, interval }', limiter);
    checkRateOptions(fn, limiter);
  }
  checkFunction(fn, 'project', project);
  const opts = checkOptions(fn, options);
  const concurrency = opts.concurrency === undefined ? Infinity : checkConcurrency(fn, 'options.concurrency', opts.concurrency);
  const cost = opts.cost ?? 1;
  if (typeof cost === 'number') checkInteger(fn, 'options.cost', cost, 1, limiter.limit);
  else checkFunction(fn, 'options.cost', cost);
  const costOf = (value: T, index: number) => (typeof cost === 'number' ? cost : checkInteger(fn, 'options.cost(value)', cost(value, index), 1, limiter.limit));

  return (source) =>
    defer(() => {
      const shared = limiter instanceof RateLimiter ? limiter : new RateLimiter(limiter);
      return source.pipe(mergeMap((value, index) => shared.section(defer(() => project(value, index)), costOf(value, index)), concurrency));
    });
}
