import { mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import { checkFunction, checkInteger, checkOptions, typeError } from './internal/core/validate.js';
import { isPermitSource, sectionMap } from './internal/sections/sectionMap.js';
import { Permits, isGate } from './internal/sections/permits.js';
import type { KeyedSemaphore } from './KeyedSemaphore.js';
import type { Gate } from './internal/sections/permits.js';
import type { PermitSource } from './types.js';

/** Options of `semaphoreMap`. */
export interface SemaphoreMapOptions<T> {
  /** Permits each inner holds: a number, or a function of the value and its index. Default 1. */
  readonly weight?: number | ((value: T, index: number) => number);
}

/** Options of `semaphoreMap` over a `KeyedSemaphore`: `key` picks each value's key. */
export interface KeyedSemaphoreMapOptions<T, K> extends SemaphoreMapOptions<T> {
  readonly key: (value: T, index: number) => K;
}

/** A `KeyedSemaphore` by shape (its gates), so that semaphoreMap ships no keyed class of its own. */
interface KeyedGates {
  readonly permits: number;
  readonly perKey: number;
  gateFor_(key: unknown): Gate;
}
const isKeyed = (value: unknown): value is KeyedGates => typeof (value as Partial<KeyedGates> | null)?.gateFor_ === 'function';

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
  semaphore: KeyedSemaphore<K>,
  project: (value: T, index: number) => ObservableInput<R>,
  options: KeyedSemaphoreMapOptions<T, K>,
): OperatorFunction<T, R>;
export function semaphoreMap<T, R>(
  semaphore: PermitSource | number,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: SemaphoreMapOptions<T>,
): OperatorFunction<T, R>;
export function semaphoreMap<T, R>(
  semaphore: PermitSource | KeyedGates | number,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: SemaphoreMapOptions<T> & { readonly key?: (value: T, index: number) => unknown },
): OperatorFunction<T, R> {
  const fn = 'semaphoreMap';
  const keyOf = options?.key;
  if (isKeyed(semaphore)) {
    if (keyOf === undefined) typeError(fn, 'options.key', 'a function of the value that gives its key, with a KeyedSemaphore', keyOf);
    checkFunction(fn, 'options.key', keyOf);
  } else {
    if (keyOf !== undefined) typeError(fn, 'options.key', 'nothing: a key goes with a KeyedSemaphore only', keyOf);
    if (typeof semaphore === 'number') {
      // as checkConcurrency does, without shipping it: an integer from 1 up, or Infinity
      if (semaphore !== Infinity) checkInteger(fn, 'concurrency', semaphore, 1, Infinity, 'a positive integer or Infinity');
    } else if (!isPermitSource(semaphore)) typeError(fn, 'semaphore', 'a PermitSource, a KeyedSemaphore or a positive integer', semaphore);
  }
  checkFunction(fn, 'project', project);
  const weightOption = checkOptions(fn, options).weight ?? 1;
  const capacity = typeof semaphore === 'number' ? semaphore : isKeyed(semaphore) ? Math.min(semaphore.perKey, semaphore.permits) : semaphore.permits;
  if (typeof weightOption === 'number') checkInteger(fn, 'options.weight', weightOption, 1, capacity);
  else checkFunction(fn, 'options.weight', weightOption);
  const weightOf =
    typeof weightOption === 'number' ? () => weightOption : (value: T, index: number) => checkInteger(fn, 'options.weight(value)', weightOption(value, index), 1, capacity);

  // A number makes private permits per subscription (Infinity: no limit, as mergeMap's default;
  // Infinity − w is Infinity); this package's own Semaphore and Lock take the fast path (one object
  // per section); any other PermitSource (one over Redis) runs each inner as its `section`.
  if (typeof semaphore === 'number') {
    return sectionMap(() => {
      const permits = new Permits(semaphore);
      return () => permits;
    }, project, weightOf);
  }
  if (isKeyed(semaphore)) return sectionMap(() => (value, index) => semaphore.gateFor_(keyOf!(value, index)), project, weightOf);
  if (isGate(semaphore)) return sectionMap(() => () => semaphore, project, weightOf);
  // project is called when the permits are granted, as on the fast path
  return mergeMap((value, index) => semaphore.section(() => project(value, index), weightOf(value, index)));
}
