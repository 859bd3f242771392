import { Observable, type ObservableInput, type Subscriber } from 'rxjs';
import type { Lease } from '../../types.js';
import { checkInteger } from '../core/validate.js';
import { toObservable } from '../core/inputs.js';
import { Held } from './held.js';
import type { Gate } from './permits.js';

/** A section's source, or the factory that makes it once the permits are granted. */
export type SectionInput<T> = Observable<T> | ((lease: Lease) => ObservableInput<T>);

/** Checks a section's source where the section is built: a factory, or an input made Observable now. */
export function sectionInput<T>(fn: string, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>)): SectionInput<T> {
  return typeof source === 'function' ? source : toObservable(fn, 'source', source);
}

/**
 * `section(source, weight)` of a `Semaphore`, a `Lock` or a `RateLimiter`: checks the arguments where
 * the section is built (`fn` names the method, `param` the weight), then each subscription is one
 * `Held` waiting on `gate`, reporting straight to its subscriber.
 */
export function gatedSection<T>(gate: Gate, fn: string, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight: number, param = 'weight'): Observable<T> {
  const input = sectionInput(fn, source);
  if (weight !== 1) checkInteger(fn, param, weight, 1, gate.permits);
  return new Observable<T>((subscriber) => enterSection(gate, subscriber, input, weight));
}

/** One subscription of a section: one `Held` waiting on `gate`, reporting straight to `subscriber`. */
export function enterSection<T>(gate: Gate, subscriber: Subscriber<T>, input: SectionInput<T>, weight: number): void {
  const held = new Held<T>(gate, weight, subscriber, openInput, input);
  // registered before the source can emit, so a synchronous source stops as soon as the
  // subscriber unsubscribes (take(1) on range(0, 1e9))
  subscriber.add(() => held.cancel_());
  held.request_();
}

/** Opens a `section()`: its value is its source, or the factory that makes it from the lease. */
function openInput<T>(section: Held<T>): ObservableInput<T> {
  const input = section.value_ as SectionInput<T>;
  return typeof input === 'function' ? input(leaseOf(section)) : input;
}

/** The lease of a section's grant: its fencing token, and a signal made on first read. */
function leaseOf<T>(section: Held<T>): Lease {
  return {
    token: section.token_,
    get signal() {
      if (!section.controller_) {
        section.controller_ = new AbortController();
        // read after the section ended: aborted already
        if (!section.holding_) section.controller_.abort();
      }
      return section.controller_.signal;
    },
  };
}
