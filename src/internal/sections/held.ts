import { Subscriber, from, type Observable, type ObservableInput } from 'rxjs';
import { reportUnhandledError } from '../core/report.js';
import type { Lease } from '../../types.js';
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
  /**
   * Makes the section's source when its turn comes (from its value), if the owner has its own way:
   * `semaphoreMap`'s project. Without it (a `section()`), the value is the source, or the factory
   * that makes it from the lease.
   */
  readonly open_?: (section: Held<T>) => ObservableInput<T>;
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
  /** For its gate's observer: when it asked, then when it was granted (NaN: granted as it asked). */
  since_ = -1;
  /** Made only when the section's factory reads `lease.signal`; aborted when the section ends. */
  controller_: AbortController | undefined;
  readonly #gate: Gate;
  readonly #owner: SectionOwner<T>;

  readonly weight_: number;
  /** The value the section was opened for: let go once `open` has used it, as `mergeMap` does. */
  value_: unknown;
  readonly index_: number;

  // Fields declared, not parameter properties: the build renames `weight_` and the others, and a
  // parameter property would also declare the field under its old name. One class for every
  // owner, told apart by its `open_` (no subclass per kind): a Held of one shape keeps its call
  // sites monomorphic; a second class measured 15 -> 25 ms on 50,000 synchronous sections. Every
  // field is paid by every waiting section (10^5 of them wait at once in the benchmarks): the
  // token and the opener are not kept, the observer's time is a small integer until observed.
  constructor(gate: Gate, weight: number, owner: SectionOwner<T>, value: unknown, index = 0) {
    super();
    this.weight_ = weight;
    this.value_ = value;
    this.index_ = index;
    this.#gate = gate;
    this.#owner = owner;
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
    const token = ++gate.granted_;
    this.#tell(6 /* granted */);
    let input: ObservableInput<T>;
    try {
      const open = this.#owner.open_;
      const value = this.value_;
      input = open ? open(this) : typeof value === 'function' ? (value as (lease: Lease) => ObservableInput<T>)(new SectionLease(this, token)) : (value as ObservableInput<T>);
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
    // a promise, the commonest body, is awaited as it is: `from` would wrap it in an Observable
    // and a subscription first (as rxjs does, a value that comes after the section was cancelled is
    // dropped, and an error thrown by whoever hears it is reported, not left to the promise)
    if (input instanceof Promise) {
      input.then(
        (value: T) => {
          if (this.closed) return;
          try {
            this.next(value);
          } catch (error) {
            reportUnhandledError(error);
          }
          // the section ends even if whoever heard its value threw: its permits come back
          try {
            this.complete();
          } catch (error) {
            reportUnhandledError(error);
          }
        },
        (error: unknown) => {
          try {
            this.error(error);
          } catch (thrown) {
            reportUnhandledError(thrown);
          }
        },
      );
      return;
    }
    let source: Observable<T>;
    try {
      source = from(input);
    } catch (error) {
      return this.error(error);
    }
    source.subscribe(this);
  }

  /**
   * Cancels the section: leaves the queue, or unsubscribes its source and gives the permits back.
   * A section is a child Subscription of whoever subscribed it, so their teardown calls this.
   */
  override unsubscribe(): void {
    if (this.closed) return;
    if (this.queued_) {
      this.#tell(13 /* left: cancelled_waiting */);
      this.#gate.leave_(this);
    }
    super.unsubscribe();
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
    super.unsubscribe();
    this.#giveBack(1 /* error */, error);
    try {
      this.#owner.error(error, this);
    } finally {
      // the next waiter is served even if the owner threw
      this.#gate.dispatch_();
    }
  }

  protected override _complete(): void {
    super.unsubscribe();
    this.#giveBack(0 /* complete */);
    try {
      this.#owner.complete(this);
    } finally {
      this.#gate.dispatch_();
    }
  }
}

/** The lease of a section's grant: its fencing token, and a signal made on first read (a class: an object literal's getter would make a function per lease). */
class SectionLease<T> implements Lease {
  constructor(
    private readonly section: Held<T>,
    readonly token: number,
  ) {}

  get signal(): AbortSignal {
    const section = this.section;
    if (!section.controller_) {
      section.controller_ = new AbortController();
      // read after the section ended: aborted already
      if (!section.holding_) section.controller_.abort();
    }
    return section.controller_.signal;
  }
}
