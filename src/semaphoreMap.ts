import type { ObservableInput, OperatorFunction } from 'rxjs';
import { mapInSections } from './internal/sections/mapInSections.js';
import type { PermitSource } from './types.js';

export type { SemaphoreMapOptions } from './internal/sections/mapInSections.js';
import type { SemaphoreMapOptions } from './internal/sections/mapInSections.js';

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
export function semaphoreMap<T, R>(
  semaphore: PermitSource | number,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: SemaphoreMapOptions<T>,
): OperatorFunction<T, R> {
  return mapInSections('semaphoreMap', semaphore, project, options);
}
