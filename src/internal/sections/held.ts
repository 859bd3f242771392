import { Subscriber, from, type Observable, type ObservableInput } from 'rxjs';
import type { Linked } from '../core/queue.js';
import type { Gate, Waiter } from './permits.js';

/**
 * Who hears a section's values and its end: the subscriber of a `section()` as it is (its `closed`
 * says it is torn down; `error` and `complete` ignore the section passed), or a `semaphoreMap`
 * stream, which also makes each section's source from its value (`open`).
 */
export interface SectionOwner<T> {
  /** Set once the owner is torn down: a section that gets its permits then must not start. */
  readonly closed: boolean;
  next(value: T): void;
  error(error: unknown, section: Held<T>): void;
  complete(section: Held<T>): void;
  open?(section: Held<T>): ObservableInput<T>;
}

/**
 * One critical section: it waits in the semaphore's queue (it is its own queue node), then holds
 * `weight` permits while it is subscribed to its source (it is its own subscriber), and gives them
 * back exactly once, after the source's teardown. One object per section, no closures.
 */
export class Held<T> extends Subscriber<T> implements Waiter {
  prevLink: Linked | undefined = undefined;
  nextLink: Linked | undefined = undefined;
  linked = false;
  holding = false;
  /** The grant's fencing token, once the permits are granted. */
  token = 0;
  /** Made only when the section's factory reads `lease.signal`; aborted when the section ends. */
  controller: AbortController | undefined = undefined;
  readonly #gate: Gate;
  readonly #owner: SectionOwner<T>;

  constructor(
    gate: Gate,
    readonly weight: number,
    owner: SectionOwner<T>,
    /** The value the section was opened for: let go once `open` has used it, as `mergeMap` does. */
    public value: unknown = undefined,
    readonly index = 0,
  ) {
    super();
    this.#gate = gate;
    this.#owner = owner;
  }

  /** Waits for the permits, or takes them at once when nobody waits and enough are free. */
  request(): void {
    if (this.#gate._tryTake(this.weight)) this.enter();
    else this.#gate._wait(this);
  }

  reject(error: RangeError): void {
    this.error(error);
  }

  /** Called with the permits taken. */
  enter(): void {
    if (this.closed || this.#owner.closed) return this.#giveBackUnused();
    this.holding = true;
    this.token = this.#gate._token();
    let source: Observable<T>;
    try {
      source = from(this.open());
    } catch (error) {
      return this.error(error);
    } finally {
      this.value = undefined;
    }
    // `open` runs user code (a project), which may have unsubscribed the output, and so cancelled
    // this section already (then its permits are back)
    if (this.closed || this.#owner.closed) {
      if (this.#giveBack()) this.#gate._dispatch();
      return;
    }
    source.subscribe(this);
  }

  /** The section's source, made when its turn comes: the owner makes it (`section()` overrides this). */
  protected open(): ObservableInput<T> {
    return this.#owner.open!(this);
  }

  /** Permits taken for a section that will not run: back to the semaphore, its listeners and its waiters. */
  #giveBackUnused(): void {
    this.#gate._giveBack(this.weight);
    this.#gate._dispatch();
  }

  /** Cancels the section: leaves the queue, or unsubscribes its source and gives the permits back. */
  cancel(): void {
    if (this.linked) return this.#gate._leave(this);
    this.unsubscribe();
    if (this.#giveBack()) this.#gate._dispatch();
  }

  #giveBack(): boolean {
    if (!this.holding) return false;
    this.holding = false;
    this.#gate._giveBack(this.weight);
    this.controller?.abort();
    return true;
  }

  protected override _next(value: T): void {
    this.#owner.next(value);
  }

  // The permits come back before the end is forwarded (the section is over when its owner hears
  // so), but the next waiter is served only after: an error that cancels the owner's other waiting
  // sections (as mergeMap's does) reaches them before they could start.
  protected override _error(error: unknown): void {
    this.unsubscribe();
    this.#giveBack();
    this.#owner.error(error, this);
    this.#gate._dispatch();
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.#giveBack();
    this.#owner.complete(this);
    this.#gate._dispatch();
  }
}
