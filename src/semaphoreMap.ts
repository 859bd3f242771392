import { mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import { checkFunction, checkInteger, checkOptions, typeError } from './internal/core/validate.js';
import { isPermitSource, sectionMap, weightsOf } from './internal/sections/sectionMap.js';
import { Permits, isGate } from './internal/sections/permits.js';
import type { KeyedPermitSource, PermitSource } from './types.js';

/** Options of `semaphoreMap`. */
export interface SemaphoreMapOptions<T> {
  /** Permits each inner holds: a number, or a function of the value and its index. Default 1. */
  readonly weight?: number | ((value: T, index: number) => number);
}

/** Options of `semaphoreMap` over a `KeyedSemaphore`: `key` picks each value's key. */
export interface KeyedSemaphoreMapOptions<T, K> extends SemaphoreMapOptions<T> {
  readonly key: (value: T, index: number) => K;
}

/** A `KeyedSemaphore` by shape, so that semaphoreMap ships no keyed code of its own. */
interface KeyedGates {
  map_<T, R>(fn: string, project: (value: T, index: number) => ObservableInput<R>, options: unknown): OperatorFunction<T, R>;
}
const isKeyed = (value: unknown): value is KeyedGates => typeof (value as Partial<KeyedGates> | null)?.map_ === 'function';

/**
 * Like `mergeMap`, but each inner Observable runs inside `semaphore.section(…)`: asyncio's
 * `async with sem:` around each task. With a number, a private semaphore is made for each
 * subscription, so `semaphoreMap(3, project)` behaves as `mergeMap(project, 3)` — same values, same
 * subscription frames. With a shared `Semaphore`, every stream that uses it is limited together
 * (one API quota across a whole app); any `PermitSource` works, so a `RedisSemaphore` limits every
 * process that shares it.
 *
 * `project` is called when the inner's turn comes, not before. An inner error errors the output
 * after unsubscribing every other inner; all permits return. Unsubscribing the output cancels the
 * running inners and removes the waiting ones from the queue.
 *
 * ```text
 * source:       ab-c---|
 * inner:        ---v|
 * semaphoreMap(2, () => inner)
 * output:       ---vv--v|
 * source subs:  ^------!
 * inner subs:   ^---!
 * inner subs:   -^---!
 * inner subs:   ----^---!
 * ```
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { Semaphore, semaphoreMap } from 'rxjs-concurrency';
 *
 * const apiQuota = new Semaphore(3);
 * from(userIds).pipe(semaphoreMap(apiQuota, (id) => http.get(`/users/${id}`))).subscribe(show);
 * from(orderIds).pipe(semaphoreMap(apiQuota, (id) => http.get(`/orders/${id}`))).subscribe(show);
 * // never more than 3 calls in flight across both streams
 * ```
 */
export function semaphoreMap<T, R, K>(
  semaphore: KeyedPermitSource<K>,
  project: (value: T, index: number) => ObservableInput<R>,
  options: KeyedSemaphoreMapOptions<T, K>,
): OperatorFunction<T, R>;
export function semaphoreMap<T, R>(
  semaphore: PermitSource | number,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: SemaphoreMapOptions<T>,
): OperatorFunction<T, R>;
export function semaphoreMap<T, R>(
  semaphore: PermitSource | KeyedGates | KeyedPermitSource<unknown> | number,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: SemaphoreMapOptions<T> & { readonly key?: (value: T, index: number) => unknown },
): OperatorFunction<T, R> {
  const fn = 'semaphoreMap';
  // a KeyedSemaphore builds its own stream (a gate per value's key): an app without one ships none of it
  if (isKeyed(semaphore)) return semaphore.map_(fn, project, options);
  if (options?.key !== undefined) typeError(fn, 'options.key', 'undefined: a key goes with a KeyedSemaphore', options.key);
  if (typeof semaphore === 'number') {
    // as checkConcurrency does, without shipping it: an integer from 1 up, or Infinity
    if (semaphore !== Infinity) checkInteger(fn, 'concurrency', semaphore, 1, Infinity, 'a positive integer or Infinity');
  } else if (!isPermitSource(semaphore)) typeError(fn, 'semaphore', 'a PermitSource, a KeyedSemaphore or a positive integer', semaphore);
  checkFunction(fn, 'project', project);
  const weightOf = weightsOf(fn, 'weight', checkOptions(fn, options).weight ?? 1, typeof semaphore === 'number' ? semaphore : semaphore.permits);

  // A number makes private permits per subscription (Infinity: no limit, as mergeMap's default;
  // Infinity − w is Infinity); this package's own Semaphore and Lock take the fast path (one object
  // per section); any other PermitSource (one over Redis) runs each inner as its `section`.
  if (typeof semaphore === 'number') {
    return sectionMap(() => {
      const permits = new Permits(semaphore);
      return () => permits;
    }, project, weightOf);
  }
  if (isGate(semaphore)) return sectionMap(() => () => semaphore, project, weightOf);
  // project is called when the permits are granted, as on the fast path
  return mergeMap((value, index) => semaphore.section(() => project(value, index), weightOf(value, index)));
}
