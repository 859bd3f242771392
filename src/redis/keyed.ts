import { Observable, mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import { checkConcurrency, checkFunction, checkOptions, typeError } from '../internal/core/validate.js';
import { weightsOf } from '../internal/sections/sectionMap.js';
import type { Lease } from '../types.js';

/** A key of a Redis keyed limit: a string, or a finite number (as its decimal string in Redis). */
export function keyOf(fn: string, key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  return typeError(fn, 'key', 'a string or a finite number', key);
}

/** The largest number Redis's Lua counts exactly: what `Infinity` is sent as. */
export const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * A section of `key`: the key's share is asked at subscription (user code, whose error is the
 * section's), then `open(key, share)` makes the section.
 */
export function withShare<T>(key: unknown, share: (key: never) => number, open: (share: number) => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let part: number;
    try {
      part = share(key as never);
    } catch (error) {
      subscriber.error(error);
      return;
    }
    return open(part).subscribe(subscriber);
  });
}

/** The options `semaphoreMap`/`rateLimitMap` pass to a keyed limit. */
interface KeyedMapOptions<T> {
  readonly key?: (value: T, index: number) => unknown;
  readonly weight?: number | ((value: T, index: number) => number);
  readonly cost?: number | ((value: T, index: number) => number);
  readonly concurrency?: number;
}

/**
 * `semaphoreMap(keyed, project, { key, weight })` and `rateLimitMap(keyed, project, { key, cost,
 * concurrency })` over a Redis keyed limit: each value is one `section(key, () => project(…))`.
 */
export function keyedMap<T, R, K>(
  fn: string,
  limit: { readonly permits: number; section<U>(key: K, source: (lease: Lease) => ObservableInput<U>, weight?: number): Observable<U> },
  project: (value: T, index: number) => ObservableInput<R>,
  options: KeyedMapOptions<T> | undefined,
  param: 'weight' | 'cost',
): OperatorFunction<T, R> {
  const opts = checkOptions(fn, options);
  const keyFn = opts.key;
  if (keyFn === undefined) typeError(fn, 'options.key', 'a function (value, index) => key, with a keyed limit', keyFn);
  checkFunction(fn, 'options.key', keyFn);
  checkFunction(fn, 'project', project);
  const weightOf = weightsOf(fn, param, opts[param] ?? 1, limit.permits);
  const concurrency = param === 'cost' ? checkConcurrency(fn, 'options.concurrency', opts.concurrency) : Infinity;
  return mergeMap((value, index) => limit.section(keyFn(value, index) as K, () => project(value, index), weightOf(value, index)), concurrency);
}
