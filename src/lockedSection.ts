import { mergeMap, type MonoTypeOperatorFunction, type ObservableInput, type OperatorFunction } from 'rxjs';
import { checkFunction, typeError } from './internal/core/validate.js';
import { isPermitSource, sectionMap } from './internal/sections/sectionMap.js';
import { isGate } from './internal/sections/permits.js';

const one = () => 1;
import type { PermitSource } from './types.js';

/**
 * Runs under a `Lock` — or any `PermitSource` of one permit, such as a `RedisLock`: asyncio's
 * `async with lock:`.
 *
 * - `lockedSection(lock)`: the whole source is the critical section. It waits for the lock on
 *   subscription and releases it after the source ends or is unsubscribed and its teardown ran.
 * - `lockedSection(lock, project)`: for each value, `project(value, index)` runs as its own
 *   critical section. Sections of one stream run in the order of their values; sections of other
 *   streams that share the lock interleave in arrival order.
 *
 * The lock is not re-entrant: a section that waits for its own lock waits forever.
 *
 * ```text
 * source:        ab-----|
 * section:       ---s|
 * lockedSection(lock, () => section)
 * output:        ---s---s|
 * source subs:   ^------!
 * section subs:  ^---!
 * section subs:  ----^---!
 * ```
 *
 * @example
 * ```ts
 * import { Lock, lockedSection } from 'rxjs-concurrency';
 *
 * const lock = new Lock();
 * // read-modify-write of a shared counter, one worker at a time
 * workItems$.pipe(lockedSection(lock, () => incrementSlowly())).subscribe();
 * ```
 */
export function lockedSection<T>(lock: PermitSource): MonoTypeOperatorFunction<T>;
export function lockedSection<T, R>(lock: PermitSource, project: (value: T, index: number) => ObservableInput<R>): OperatorFunction<T, R>;
export function lockedSection<T, R>(
  lock: PermitSource,
  project?: (value: T, index: number) => ObservableInput<R>,
): OperatorFunction<T, T | R> {
  // any PermitSource of one permit (a Lock, a RedisLock), checked by its shape, so that this
  // operator pulls in no class it does not use
  if (!isPermitSource(lock) || lock.permits !== 1) typeError('lockedSection', 'lock', 'a Lock (a PermitSource of one permit)', lock);
  if (project === undefined) return (source) => lock.section(source);
  checkFunction('lockedSection', 'project', project);
  // this package's Lock: one object per section; any other (a RedisLock): each value its section
  return isGate(lock) ? sectionMap(() => () => lock, project, one) : mergeMap((value, index) => lock.section(() => project(value, index)));
}
