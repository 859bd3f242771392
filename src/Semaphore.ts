import { Observable, type ObservableInput, type Subscriber } from 'rxjs';
import { gatedSection } from './internal/sections/gatedSection.js';
import { Permits, type Waiter } from './internal/sections/permits.js';
import { checkInteger } from './internal/core/validate.js';
import type { Lease, PermitSource } from './types.js';

/**
 * A counting semaphore shared by any number of streams: asyncio's `Semaphore`, where `async with
 * sem:` becomes `sem.section(source)`.
 *
 * - `section(source, weight)` waits for `weight` permits, then subscribes to `source`, and gives the
 *   permits back when the source completes, errors or is unsubscribed — exactly once, and only after
 *   the source's own teardown has run (cleanup happens inside the critical section).
 * - Unsubscribing while still waiting removes the waiter and takes no permit.
 * - Strict FIFO: a waiter that needs more permits than are free blocks the ones behind it, so heavy
 *   waiters never starve. A freed permit passes straight to the next waiter (no barging).
 * - Enqueue, cancel and release are O(1); a release that starts the next section synchronously does
 *   not grow the stack.
 * - `section` also takes a factory, called when the permits are granted, with the grant's `Lease`
 *   (a fencing `token` that grows with every grant, and a `signal` that aborts when the section
 *   ends). It is a `PermitSource`, as `RedisSemaphore` is.
 * - `resize(permits)` changes the capacity at run time: growing serves waiters at once in FIFO
 *   order; shrinking interrupts no running section, and new sections wait until the held weight is
 *   below the new capacity; a waiter heavier than the new capacity errors with a `RangeError`.
 *
 * ```text
 * const sem = new Semaphore(2)
 * a:        sem.section(--a|)     ^--!
 * b:        sem.section(----b|)   ^----!
 * c:        sem.section(-c|)         ^-!   waits until a gives its permit back at frame 3
 * available$                      2(10)-1-2   (not every value shown)
 * ```
 *
 * @example
 * ```ts
 * import { Semaphore } from 'rxjs-concurrency';
 *
 * // one quota of 3 concurrent calls, shared by every stream of the app
 * export const api = new Semaphore(3);
 * api.section(http.get('/a')).subscribe(render);
 * api.section(http.get('/big-report'), 2).subscribe(render); // takes two permits
 * api.available$.subscribe((free) => (busyIndicator.value = 3 - free));
 * ```
 */
export class Semaphore extends Permits implements PermitSource {
  readonly #listeners = new Set<Subscriber<number>>();
  #lastShown: number;

  /** Emits the number of free permits on subscription, then on every change. */
  readonly available$: Observable<number>;

  /** @param permits an integer ≥ 1 */
  constructor(permits: number) {
    super(checkInteger('Semaphore', 'permits', permits, 1));
    this.#lastShown = permits;
    this.available$ = new Observable<number>((subscriber) => {
      subscriber.next(this.available);
      this.#listeners.add(subscriber);
      return () => this.#listeners.delete(subscriber);
    });
  }

  // here and on Lock, not on Permits: semaphoreMap ships Permits and never reads it
  /** Sections waiting for permits. */
  get waiting(): number {
    return this.queue_.size_;
  }

  /** Permits free now (0 while a shrunk semaphore still has more held than its new capacity). */
  get available(): number {
    return Math.max(0, this.free_);
  }

  /**
   * Runs `source` as a critical section holding `weight` permits: waits for them, subscribes, and
   * gives them back once the source has ended or been unsubscribed and its teardown has run. A
   * factory `(lease) => source` is called when the permits are granted.
   */
  section<T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight = 1): Observable<T> {
    return gatedSection(this, 'Semaphore.section', source, weight);
  }


  /**
   * Changes the capacity to `permits` (an integer ≥ 1). Growing serves waiters at once, in FIFO
   * order; shrinking interrupts no running section; a waiter heavier than the new capacity errors
   * with a `RangeError`.
   */
  resize(permits: number): void {
    checkInteger('Semaphore.resize', 'permits', permits, 1);
    this.free_ += permits - this.permits;
    (this as { permits: number }).permits = permits;
    const hopeless: Waiter[] = [];
    for (let node = this.queue_.head_; node; node = node.next_ as Waiter | undefined) if (node.weight_ > permits) hopeless.push(node);
    // rejected after the walk: a rejection runs user code, which may cancel other waiters
    for (const waiter of hopeless) {
      this.queue_.remove_(waiter);
      this.#reject(waiter);
    }
    this.dispatch_();
  }

  /** @internal A section whose weight the capacity (shrunk since it was built) can never serve errors at once. */
  override wait_(waiter: Waiter): void {
    if (waiter.weight_ > this.permits) this.#reject(waiter);
    else super.wait_(waiter);
  }

  #reject(waiter: Waiter): void {
    waiter.error(new RangeError(`Semaphore.resize: a waiting section needs ${waiter.weight_} permits, more than the new capacity ${this.permits}`));
  }

  /** @internal */
  protected override changed_(): void {
    const shown = this.available;
    if (shown === this.#lastShown) return;
    this.#lastShown = shown;
    if (this.#listeners.size) for (const listener of [...this.#listeners]) listener.next(shown);
  }
}

