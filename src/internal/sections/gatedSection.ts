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
  return new GatedSection(gate, input, weight);
}

/**
 * A section as an Observable of its own class: one object, where `new Observable(fn)` would add a
 * closure and its context (many sections are made and subscribed at once: fewer objects, less GC).
 */
class GatedSection<T> extends Observable<T> {
  constructor(
    private readonly gate: Gate,
    private readonly input: SectionInput<T>,
    private readonly weight: number,
  ) {
    super();
  }

  /** Called by `subscribe` (rxjs's own extension point, as its Subject uses). */
  protected _subscribe(subscriber: Subscriber<T>): void {
    enterSection(this.gate, subscriber, this.input, this.weight);
  }
}

/** One subscription of a section: one `Held` waiting on `gate`, reporting straight to `subscriber`. */
export function enterSection<T>(gate: Gate, subscriber: Subscriber<T>, input: SectionInput<T>, weight: number): void {
  const held = new Held<T>(gate, weight, subscriber, input);
  // registered before the source can emit, so a synchronous source stops as soon as the
  // subscriber unsubscribes (take(1) on range(0, 1e9)); the section is a Subscription whose
  // unsubscribe cancels it: no closure per section
  subscriber.add(held);
  held.request_();
}
