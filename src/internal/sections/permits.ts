import { Queue, type Linked } from '../core/queue.js';
import { trampoline } from '../core/trampoline.js';
import type { SectionObserver } from './observe.js';

/** What waits in a {@link Permits} queue: it needs `weight` permits, and `enter` is called with them taken. */
export interface Waiter extends Linked {
  readonly weight_: number;
  enter_(): void;
  /** It can never be served (the capacity shrank below its weight): it leaves with this error. */
  error(error: RangeError): void;
}

/**
 * What a section waits on: `Permits` (a `Semaphore`'s count of permits) or a `RateLimiter`'s window.
 * `Held` knows only this, so one section machinery serves both.
 */
export interface Gate {
  /** The most weight one section may ask for. */
  readonly permits: number;
  /** Takes `weight` now if nobody waits and it fits; false otherwise. */
  tryTake_(weight: number): boolean;
  wait_(waiter: Waiter): void;
  leave_(waiter: Waiter): void;
  /** A section that held `weight` has ended; the caller dispatches when it is ready. */
  giveBack_(weight: number): void;
  dispatch_(): void;
  /** Grants so far: a section's fencing token is this, counted up when its permits are granted. */
  granted_: number;
  /** Who observes its sections (`rxjs-concurrency/otel`), if anyone. */
  readonly observer_: SectionObserver | undefined;
  /** A keyed limit's key, for its observer. */
  readonly key_?: unknown;
}

/** This package's own gates take the fast path of `semaphoreMap` (one object per section). */
export function isGate(value: object): value is Gate {
  return typeof (value as Partial<Gate>).tryTake_ === 'function';
}

/**
 * The heart of `Semaphore` and `Lock`: the count of free permits and the FIFO queue of sections
 * waiting for them. `semaphoreMap(n, …)` uses it directly, so an app that never builds a
 * `Semaphore` does not ship one.
 */
export class Permits {
  /** @internal */
  protected free_: number;
  /** The capacity: how many permits there are in all (`Semaphore.resize` changes it). */
  readonly permits: number;
  /** @internal */
  granted_ = 0;
  /** @internal */
  observer_: SectionObserver | undefined = undefined;
  /** @internal */
  protected readonly queue_ = new Queue<Waiter>();

  /** @param permits the capacity: how many permits there are in all */
  constructor(permits: number) {
    this.free_ = this.permits = permits;
  }

  /** @internal Called after the count of free permits may have changed. */
  protected changed_(): void {}

  /** @internal Takes `weight` permits if nobody waits and enough are free. */
  tryTake_(weight: number): boolean {
    if (this.queue_.size_ > 0 || this.free_ < weight) return false;
    this.free_ -= weight;
    this.changed_();
    return true;
  }

  /** @internal Queues a section for its permits. */
  wait_(waiter: Waiter): void {
    this.queue_.enqueue_(waiter);
  }

  /** @internal A waiting section leaves the queue. */
  leave_(waiter: Waiter): void {
    // Only a waiter that leaves the head can unblock others (it may have been a heavy one); one
    // further back changes nobody's turn.
    const wasFirst = this.queue_.head_ === waiter;
    this.queue_.remove_(waiter);
    if (wasFirst) this.dispatch_();
  }

  /** @internal Permits come back; the caller dispatches when it is ready. */
  giveBack_(weight: number): void {
    this.free_ += weight;
  }

  /**
   * @internal The fairness rule, in one place: hand free permits to the waiters in strict arrival
   * order, and stop at the first that needs more than is free, so a heavy waiter is never overtaken.
   * Runs as a trampoline: a section that ends synchronously inside `enter` frees its permits into
   * this same loop instead of recursing.
   */
  readonly dispatch_ = trampoline(() => {
    let head: Waiter | undefined;
    while ((head = this.queue_.head_) !== undefined && head.weight_ <= this.free_) {
      this.queue_.remove_(head);
      this.free_ -= head.weight_;
      head.enter_();
    }
    this.changed_();
  });
}
