import { Subscriber, from, type Observable, type ObservableInput } from 'rxjs';
import type { Linked } from '../core/queue.js';
import type { SectionOutcome } from './observe.js';
import type { Gate, Waiter } from './permits.js';

/**
 * Who hears a section's values and its end: the subscriber of a `section()` as it is (its `closed`
 * says it is torn down; `error` and `complete` ignore the section passed), or a `semaphoreMap`
 * stream.
 */
export interface SectionOwner<T> {
  /** Set once the owner is torn down: a section that gets its permits then must not start. */
  readonly closed: boolean;
  next(value: T): void;
  error(error: unknown, section: Held<T>): void;
  complete(section: Held<T>): void;
}

/**
 * One critical section: it waits in the semaphore's queue (it is its own queue node), then holds
 * `weight` permits while it is subscribed to its source (it is its own subscriber), and gives them
 * back exactly once, after the source's teardown. One object per section, no closures.
 */
export class Held<T> extends Subscriber<T> implements Waiter {
  prev_: Linked | undefined;
  next_: Linked | undefined;
  queued_ = false;
  holding_ = false;
  /** The grant's fencing token, once the permits are granted. */
  token_ = 0;
  /** For its gate's observer: when it asked, then when it was granted (NaN: granted as it asked). */
  since_ = NaN;
  /** Made only when the section's factory reads `lease.signal`; aborted when the section ends. */
  controller_: AbortController | undefined;
  readonly #gate: Gate;
  readonly #owner: SectionOwner<T>;
  /** Makes the section's source when its turn comes (from its value): the owner's way to open. */
  readonly #open: (section: Held<T>) => ObservableInput<T>;

  readonly weight_: number;
  /** The value the section was opened for: let go once `open` has used it, as `mergeMap` does. */
  value_: unknown;
  readonly index_: number;

  // Fields declared, not parameter properties: the build renames `weight_` and the others, and a
  // parameter property would also declare the field under its old name. One class for every
  // owner, told apart by `open` (no subclass per kind): a Held of one shape keeps its call sites
  // monomorphic; a second class measured 15 -> 25 ms on 50,000 synchronous sections.
  constructor(gate: Gate, weight: number, owner: SectionOwner<T>, open: (section: Held<T>) => ObservableInput<T>, value: unknown, index = 0) {
    super();
    this.weight_ = weight;
    this.value_ = value;
    this.index_ = index;
    this.#gate = gate;
    this.#owner = owner;
    this.#open = open;
  }

  /** Waits for the permits, or takes them at once when nobody waits and enough are free. */
  request_(): void {
    // a subscriber that was closed before it subscribed (forkJoin after a synchronous error) has
    // run the teardown already: such a section never queues
    if (this.closed) return;
    const gate = this.#gate;
    if (gate.tryTake_(this.weight_)) return this.enter_();
    this.#tell(5 /* waits */);
    gate.wait_(this);
  }

  /** Called with the permits taken. */
  enter_(): void {
    const gate = this.#gate;
    if (this.closed || this.#owner.closed) {
      this.#tell(13 /* left: cancelled_waiting */);
      gate.giveBack_(this.weight_);
      return gate.dispatch_();
    }
    this.holding_ = true;
    this.token_ = ++gate.granted_;
    this.#tell(6 /* granted */);
    let source: Observable<T>;
    try {
      source = from(this.#open(this));
    } catch (error) {
      return this.error(error);
    } finally {
      this.value_ = undefined;
    }
    // `open` runs user code (a project), which may have unsubscribed the output, and so cancelled
    // this section already (then its permits are back)
    if (this.closed || this.#owner.closed) {
      if (this.#giveBack(2 /* unsubscribe */)) this.#gate.dispatch_();
      return;
    }
    source.subscribe(this);
  }

  /** Cancels the section: leaves the queue, or unsubscribes its source and gives the permits back. */
  cancel_(): void {
    if (this.queued_) {
      this.#tell(13 /* left: cancelled_waiting */);
      return this.#gate.leave_(this);
    }
    this.unsubscribe();
    if (this.#giveBack(2 /* unsubscribe */)) this.#gate.dispatch_();
  }

  /** Tells the gate's observer, if it has one, of an event of this section (see `SectionObserver`). */
  #tell(event: number, error?: unknown): void {
    this.#gate.observer_?.on_(this, event, this.#gate.key_, error);
  }

  #giveBack(outcome: SectionOutcome, error?: unknown): boolean {
    if (!this.holding_) {
      // a waiter rejected by a resize never held
      if (outcome === 1 /* error */) this.#tell(11 /* left: error */);
      return false;
    }
    this.holding_ = false;
    this.#gate.giveBack_(this.weight_);
    this.#tell(outcome, error);
    this.controller_?.abort();
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
    this.#giveBack(1 /* error */, error);
    this.#owner.error(error, this);
    this.#gate.dispatch_();
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.#giveBack(0 /* complete */);
    this.#owner.complete(this);
    this.#gate.dispatch_();
  }
}
