import { Observable, Subscriber, mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import type { PermitSource } from '../../types.js';
import { Permits, isGate, type Gate } from './permits.js';
import { Held, type SectionOwner } from './held.js';
import { checkConcurrency, checkFunction, checkInteger, checkOptions, typeError } from '../core/validate.js';

/** Options of `semaphoreMap`. */
export interface SemaphoreMapOptions<T> {
  /** Permits each inner holds: a number, or a function of the value and its index. Default 1. */
  readonly weight?: number | ((value: T, index: number) => number);
}

/** A `PermitSource` by shape: this package's `Semaphore` and `Lock`, or one over Redis. */
export function isPermitSource(value: unknown): value is PermitSource {
  return typeof (value as PermitSource | undefined)?.section === 'function' && typeof (value as PermitSource).permits === 'number';
}

/**
 * The machinery of `semaphoreMap` and `lockedSection(lock, project)`. A number makes private
 * permits per subscription; this package's own `Semaphore` and `Lock` take the fast path (one object
 * per section); any other `PermitSource` (one over Redis) runs each inner as its `section`.
 */
export function mapInSections<T, R>(
  fn: string,
  semaphoreOrCount: PermitSource | number,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: SemaphoreMapOptions<T>,
): OperatorFunction<T, R> {
  if (typeof semaphoreOrCount === 'number') checkConcurrency(fn, 'concurrency', semaphoreOrCount);
  else if (!isPermitSource(semaphoreOrCount)) typeError(fn, 'semaphore', 'a PermitSource or a positive integer', semaphoreOrCount);
  checkFunction(fn, 'project', project);
  const weightOption = checkOptions(fn, options).weight ?? 1;
  const capacity = typeof semaphoreOrCount === 'number' ? semaphoreOrCount : semaphoreOrCount.permits;
  if (typeof weightOption === 'number') checkInteger(fn, 'options.weight', weightOption, 1, capacity);
  else checkFunction(fn, 'options.weight', weightOption);
  const weightOf = (value: T, index: number) =>
    typeof weightOption === 'number' ? weightOption : checkInteger(fn, 'options.weight(value)', weightOption(value, index), 1, capacity);

  if (typeof semaphoreOrCount !== 'number' && !isGate(semaphoreOrCount)) {
    const source = semaphoreOrCount;
    // project is called when the permits are granted, as on the fast path
    return mergeMap((value, index) => source.section(() => project(value, index), weightOf(value, index)));
  }
  // Infinity permits: no limit at all, as mergeMap with the default concurrency (Infinity − w is Infinity)
  const gateOf = typeof semaphoreOrCount !== 'number' ? () => semaphoreOrCount : () => new Permits(semaphoreOrCount);
  return sectionMap(gateOf, project, weightOf);
}

/**
 * The fast path: each value opens one `Held` section on the gate that `gateOf` gives for this
 * subscription (a shared one, or a private one made per subscription). The stream is closures over
 * its subscription's state: one object per value (its section), as `mergeMap` has.
 */
export function sectionMap<T, R>(
  gateOf: () => Gate,
  project: (value: T, index: number) => ObservableInput<R>,
  weightOf: (value: T, index: number) => number,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((target) => {
      const gate = gateOf();
      const sections = new Set<Held<R>>();
      let outerDone = false;
      let index = 0;
      // An error ends the stream: no new value, no waiting section may start, the running ones stop.
      const fail = (error: unknown) => {
        input.unsubscribe();
        cancelSections();
        target.error(error);
      };
      const cancelSections = () => {
        owner.closed = true;
        // newest first: the waiting sections leave the queue before a running one's release reaches them
        const all = [...sections].reverse();
        sections.clear();
        for (const section of all) section.cancel_();
      };
      const owner: SectionOwner<R> & { closed: boolean } = {
        closed: false,
        open_: (section) => project(section.value_ as T, section.index_),
        next: (value) => target.next(value),
        error(error, section) {
          sections.delete(section);
          fail(error);
        },
        complete(section) {
          sections.delete(section);
          if (outerDone && sections.size === 0) target.complete();
        },
      };
      const input = new Subscriber<T>({
        next(value: T) {
          const i = index++;
          let weight: number;
          try {
            weight = weightOf(value, i);
          } catch (error) {
            return fail(error);
          }
          if (owner.closed) return; // `weight` is user code: it may have unsubscribed the output
          const held = new Held<R>(gate, weight, owner, value, i);
          sections.add(held);
          held.request_();
        },
        error: fail,
        complete() {
          outerDone = true;
          if (sections.size === 0) target.complete();
        },
      });
      // added before the source can emit, so a synchronous source stops as soon as the output is
      // unsubscribed (take(1) on range(0, 1e9)); the sections go after the source
      target.add(input);
      target.add(cancelSections);
      source.subscribe(input);
    });
}
