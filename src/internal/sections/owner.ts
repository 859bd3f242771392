import { Observable, type ObservableInput, type Subscriber } from 'rxjs';
import type { Lease } from '../../types.js';
import { toObservable } from '../core/validate.js';
import { Held, type SectionOwner } from './held.js';
import type { Gate } from './permits.js';

/** A section's source, or the factory that makes it once the permits are granted. */
export type SectionInput<T> = Observable<T> | ((lease: Lease) => ObservableInput<T>);

/** Checks a section's source where the section is built: a factory, or an input made Observable now. */
export function sectionInput<T>(fn: string, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>)): SectionInput<T> {
  return typeof source === 'function' ? source : toObservable(fn, 'source', source);
}

/**
 * `section()` of a `Semaphore`, a `Lock` or a `RateLimiter`: each subscription is one `Held`
 * waiting on `gate`, reporting to its subscriber.
 */
export function gatedSection<T>(gate: Gate, input: SectionInput<T>, weight: number): Observable<T> {
  return new Observable<T>((subscriber) => {
    const held = new Held<T>(gate, weight, new SubscriberOwner(subscriber, input));
    // registered before the source can emit, so a synchronous source stops as soon as the
    // subscriber unsubscribes (take(1) on range(0, 1e9))
    subscriber.add(() => held.cancel());
    held.request();
  });
}

/** A `section()` subscription: the section's source (or its factory) is fixed, its end goes to the subscriber. */
export class SubscriberOwner<T> implements SectionOwner<T> {
  readonly #subscriber: Subscriber<T>;
  readonly #input: SectionInput<T>;

  constructor(subscriber: Subscriber<T>, input: SectionInput<T>) {
    this.#subscriber = subscriber;
    this.#input = input;
  }

  get closing(): boolean {
    return this.#subscriber.closed;
  }

  open(section: Held<T>): ObservableInput<T> {
    const input = this.#input;
    return typeof input === 'function' ? input(leaseOf(section)) : input;
  }

  sectionNext(value: T): void {
    this.#subscriber.next(value);
  }

  sectionError(error: unknown): void {
    this.#subscriber.error(error);
  }

  sectionComplete(): void {
    this.#subscriber.complete();
  }
}

/** The lease of a section's grant: its fencing token, and a signal made on first read. */
function leaseOf(section: Held<unknown>): Lease {
  const { token } = section;
  return {
    token,
    get signal() {
      if (!section.controller) {
        section.controller = new AbortController();
        // read after the section ended: aborted already
        if (!section.holding) section.controller.abort();
      }
      return section.controller.signal;
    },
  };
}
