import { Observable, type ObservableInput } from 'rxjs';
import type { Lease } from '../../types.js';
import { checkFunction, checkInteger, rangeError, typeError } from '../core/validate.js';
import { enterSection, sectionInput } from './gatedSection.js';
import type { KeyGate, KeyedPermits } from './keyedPermits.js';

/** The `share` option of a keyed limit, checked: each key's part is checked when the key first waits. */
export function shareOf<K>(fn: string, share: ((key: K) => number) | undefined): (key: K) => number {
  if (share === undefined) return () => 1;
  checkFunction(fn, 'options.share', share);
  return (key) => {
    const part = share(key);
    if (typeof part !== 'number') typeError(fn, 'options.share(key)', 'a finite number above 0', part);
    if (!(part > 0 && Number.isFinite(part))) rangeError(fn, 'options.share(key)', 'a finite number above 0', part);
    return part;
  };
}

/**
 * `section(key, source, weight)` of a keyed limit: checks the arguments where the section is built
 * (`most` is the largest weight one section may have), then each subscription is one `Held` in the
 * gate of `key`, looked up at subscription (a key that went idle meanwhile was forgotten) and not
 * made for a subscriber closed already (forkJoin after a synchronous error).
 */
export function keyedSection<K, T>(
  fn: string,
  core: KeyedPermits<K>,
  key: K,
  source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>),
  weight: number,
  param: string,
  most: number,
): Observable<T> {
  const input = sectionInput(fn, source);
  if (weight !== 1) checkInteger(fn, param, weight, 1, most);
  return new Observable<T>((subscriber) => {
    if (subscriber.closed) return;
    let gate: KeyGate<K>;
    try {
      gate = core.gate_(key); // runs options.share(key), user code
    } catch (error) {
      return subscriber.error(error);
    }
    enterSection(gate, subscriber, input, weight);
  });
}
