import { Observable, type ObservableInput, type Subscriber } from 'rxjs';
import { Held, type SectionOwner } from './internal/sections/held.js';
import { Permits } from './internal/sections/permits.js';
import { checkInteger, toObservable } from './internal/core/validate.js';

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
export class Semaphore extends Permits {
  private readonly listeners = new Set<Subscriber<number>>();
  private lastShown: number;

  /** Emits the number of free permits on subscription, then on every change. */
  readonly available$: Observable<number>;

  /** @param permits an integer ≥ 1 */
  constructor(permits: number) {
    super(checkInteger('Semaphore', 'permits', permits, 1));
    this.lastShown = permits;
    this.available$ = new Observable<number>((subscriber) => {
      subscriber.next(this.free);
      this.listeners.add(subscriber);
      return () => this.listeners.delete(subscriber);
    });
  }

  /** The class name in argument errors (kept by hand: minifiers rename classes). */
  protected get label(): string {
    return 'Semaphore';
  }

  /** Permits free now. */
  get available(): number {
    return this.free;
  }

  /**
   * Runs `source` as a critical section holding `weight` permits: waits for them, subscribes, and
   * gives them back once the source has ended or been unsubscribed and its teardown has run.
   */
  section<T>(source: ObservableInput<T>, weight = 1): Observable<T> {
    const input = toObservable(`${this.label}.section`, 'source', source);
    if (weight !== 1) checkInteger(`${this.label}.section`, 'weight', weight, 1, this.permits);
    return new Observable<T>((subscriber) => {
      const held = new Held<T>(this, weight, new SubscriberOwner(subscriber, input));
      // registered before the source can emit, so a synchronous source stops as soon as the
      // subscriber unsubscribes (take(1) on range(0, 1e9))
      subscriber.add(() => held.cancel());
      held.request();
    });
  }

  protected override changed(): void {
    if (this.listeners.size === 0 || this.free === this.lastShown) {
      this.lastShown = this.free;
      return;
    }
    this.lastShown = this.free;
    for (const listener of [...this.listeners]) listener.next(this.free);
  }
}

/** A `section()` subscription: the section's source is fixed, its end goes to the subscriber. */
class SubscriberOwner<T> implements SectionOwner<T> {
  constructor(
    private readonly subscriber: Subscriber<T>,
    private readonly input: Observable<T>,
  ) {}

  get closing(): boolean {
    return this.subscriber.closed;
  }

  open(): Observable<T> {
    return this.input;
  }

  sectionNext(value: T): void {
    this.subscriber.next(value);
  }

  sectionError(error: unknown): void {
    this.subscriber.error(error);
  }

  sectionComplete(): void {
    this.subscriber.complete();
  }
}
