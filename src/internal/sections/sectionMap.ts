import { Observable, Subscriber, type ObservableInput, type OperatorFunction } from 'rxjs';
import type { PermitSource } from '../../types.js';
import { checkFunction, checkInteger } from '../core/validate.js';
import type { Gate } from './permits.js';
import { Held, type SectionOwner } from './held.js';

/** A `PermitSource` by shape: this package's `Semaphore` and `Lock`, or one over Redis. */
export function isPermitSource(value: unknown): value is PermitSource {
  return typeof (value as PermitSource | undefined)?.section === 'function' && typeof (value as PermitSource).permits === 'number';
}

/**
 * The fast path: each value opens one `Held` section on the gate that `gateOf` gives for this
 * subscription (a shared one, or a private one made per subscription). The stream is closures over
 * its subscription's state: one object per value (its section), as `mergeMap` has.
 */
export function sectionMap<T, R>(
  /** Per subscription: where each value's section waits (one gate for all, or a key's gate per value). */
  gateOf: () => (value: T, index: number) => Gate,
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
        for (const section of all) section.unsubscribe();
      };
      // the output completes when the source has and no section is left
      const end = () => outerDone && !sections.size && target.complete();
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
          end();
        },
      };
      const input = new Subscriber<T>({
        next(value: T) {
          const i = index++;
          let weight: number;
          let where: Gate;
          try {
            weight = weightOf(value, i);
            where = gate(value, i);
          } catch (error) {
            return fail(error);
          }
          if (owner.closed) return; // `weight` and a key are user code: they may have unsubscribed the output
          const held = new Held<R>(where, weight, owner, value, i);
          sections.add(held);
          held.request_();
        },
        error: fail,
        complete() {
          outerDone = true;
          end();
        },
      });
      // added before the source can emit, so a synchronous source stops as soon as the output is
      // unsubscribed (take(1) on range(0, 1e9)); the sections go after the source
      target.add(input);
      target.add(cancelSections);
      source.subscribe(input);
    });
}

/**
 * The `weight` (or `cost`) option of an operator over sections, checked where the operator is
 * built: a number from 1 to `capacity`, or a function of the value, whose results are checked as
 * they come. Gives each value's weight.
 */
export function weightsOf<T>(fn: string, param: string, option: number | ((value: T, index: number) => number), capacity: number): (value: T, index: number) => number {
  if (typeof option === 'number') {
    checkInteger(fn, `options.${param}`, option, 1, capacity);
    return () => option;
  }
  checkFunction(fn, `options.${param}`, option);
  return (value, index) => checkInteger(fn, `options.${param}(value)`, option(value, index), 1, capacity);
}
