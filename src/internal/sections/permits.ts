import { Queue, type Linked } from '../core/queue.js';
import { trampoline } from '../core/trampoline.js';

/** What waits in a {@link Permits} queue: it needs `weight` permits, and `enter` is called with them taken. */
export interface Waiter extends Linked {
  readonly weight: number;
  enter(): void;
  /** It can never be served (the capacity shrank below its weight): it leaves with this error. */
  reject(error: RangeError): void;
}

/**
 * What a section waits on: `Permits` (a `Semaphore`'s count of permits) or a `RateLimiter`'s window.
 * `Held` knows only this, so one section machinery serves both.
 */
export interface Gate {
  /** The most weight one section may ask for. */
  readonly permits: number;
  /** Takes `weight` now if nobody waits and it fits; false otherwise. */
  _tryTake(weight: number): boolean;
  _wait(waiter: Waiter): void;
  _leave(waiter: Waiter): void;
  /** A section that held `weight` has ended; the caller dispatches when it is ready. */
  _giveBack(weight: number): void;
  _dispatch(): void;
  _token(): number;
}

/** This package's own gates take the fast path of `semaphoreMap` (one object per section). */
export function isGate(value: object): value is Gate {
  return typeof (value as Partial<Gate>)._tryTake === 'function';
}

/**
 * The heart of `Semaphore`: the count of free permits and the FIFO queue of sections waiting for
 * them. `semaphoreMap(n, …)` uses it directly, so an app that never builds a `Semaphore` does not
 * ship one.
 */
export class Permits {
  /** @internal */
  protected free: number;
  /** @internal */
  protected capacity: number;
  #granted = 0;
  /** @internal */
  protected readonly queue = new Queue<Waiter>();

  /** @param permits the capacity: how many permits there are in all */
  constructor(permits: number) {
    this.free = this.capacity = permits;
  }

  /** The capacity: how many permits there are in all. */
  get permits(): number {
    return this.capacity;
  }

  /** @internal Called after the count of free permits may have changed. */
  protected changed(): void {}

  /** Sections waiting for permits. */
  get waiting(): number {
    return this.queue.size;
  }

  /** @internal Takes `weight` permits if nobody waits and enough are free. */
  _tryTake(weight: number): boolean {
    if (this.queue.size > 0 || this.free < weight) return false;
    this.free -= weight;
    this.changed();
    return true;
  }

  /** @internal Queues a section for its permits. */
  _wait(waiter: Waiter): void {
    this.queue.enqueue(waiter);
  }

  /** @internal A waiting section leaves the queue. */
  _leave(waiter: Waiter): void {
    // Only a waiter that leaves the head can unblock others (it may have been a heavy one); one
    // further back changes nobody's turn.
    const wasFirst = this.queue.peek() === waiter;
    this.queue.remove(waiter);
    if (wasFirst) this._dispatch();
  }

  /** @internal A fencing token: a number that grows with every grant of these permits. */
  _token(): number {
    return ++this.#granted;
  }

  /** @internal Permits come back; the caller dispatches when it is ready. */
  _giveBack(weight: number): void {
    this.free += weight;
  }

  /**
   * @internal The fairness rule, in one place: hand free permits to the waiters in strict arrival
   * order, and stop at the first that needs more than is free, so a heavy waiter is never overtaken.
   * Runs as a trampoline: a section that ends synchronously inside `enter` frees its permits into
   * this same loop instead of recursing.
   */
  readonly _dispatch = trampoline(() => {
    let head: Waiter | undefined;
    while ((head = this.queue.peek()) !== undefined && head.weight <= this.free) {
      this.queue.dequeue();
      this.free -= head.weight;
      head.enter();
    }
    this.changed();
  });
}
