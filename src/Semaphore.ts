import { Observable, type ObservableInput, type Subscriber } from 'rxjs';
import { Queue, type QueueNode } from './internal/queue.js';
import { CallbackSubscriber } from './internal/subscribers.js';
import { trampoline } from './internal/trampoline.js';
import { checkInteger, toObservable } from './internal/validate.js';

const noop = () => undefined;

interface Waiter {
  readonly weight: number;
  readonly enter: () => void;
}

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
export class Semaphore {
  /** The capacity: how many permits there are in all. */
  readonly permits: number;
  private free: number;
  private readonly queue = new Queue<Waiter>();
  private readonly listeners = new Set<Subscriber<number>>();
  private lastShown: number;

  /** Emits the number of free permits on subscription, then on every change. */
  readonly available$: Observable<number>;

  /** @param permits an integer ≥ 1 */
  constructor(permits: number) {
    this.permits = checkInteger(this.label, 'permits', permits, 1);
    this.free = this.lastShown = permits;
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

  /** Sections waiting for permits. */
  get waiting(): number {
    return this.queue.size;
  }

  /**
   * Runs `source` as a critical section holding `weight` permits: waits for them, subscribes, and
   * gives them back once the source has ended or been unsubscribed and its teardown has run.
   */
  section<T>(source: ObservableInput<T>, weight = 1): Observable<T> {
    const name = `${this.label}.section`;
    const input = toObservable(name, 'source', source);
    checkInteger(name, 'weight', weight, 1, this.permits);

    return new Observable<T>((subscriber) => {
      let node: QueueNode<Waiter> | undefined;
      let inner: CallbackSubscriber<T> | undefined;
      let held = false;

      // The permits come back before the end is forwarded (the section is over when its subscriber
      // hears so), but the next waiter is served only after: an error that cancels the waiting
      // sections of the same stream (as mergeMap's does) reaches them before they could start.
      const release = (forward: () => void) => {
        if (held) {
          held = false;
          this.free += weight;
        }
        forward();
        this.dispatch();
      };

      const enter = () => {
        node = undefined;
        held = true;
        inner = new CallbackSubscriber<T>(
          (value) => subscriber.next(value),
          (error) => release(() => subscriber.error(error)),
          () => release(() => subscriber.complete()),
        );
        input.subscribe(inner);
      };

      if (this.queue.size === 0 && this.free >= weight) {
        this.free -= weight;
        this.show();
        enter();
      } else {
        node = this.queue.enqueue({ weight, enter });
      }

      return () => {
        if (node) {
          // Only a waiter that leaves the head can unblock others (it may have been a heavy one);
          // one further back changes nobody's turn.
          const wasFirst = this.queue.isFirst(node);
          this.queue.remove(node);
          node = undefined;
          if (wasFirst) this.dispatch();
        }
        inner?.unsubscribe();
        if (held) release(noop);
      };
    });
  }

  /**
   * The fairness rule, in one place: hand free permits to the waiters in strict arrival order, and
   * stop at the first that needs more than is free, so a heavy waiter is never overtaken. Runs as a
   * trampoline: a section that ends synchronously inside `enter` frees its permits into this same
   * loop instead of recursing.
   */
  private readonly dispatch = trampoline(() => {
    let head: Waiter | undefined;
    while ((head = this.queue.peek()) !== undefined && head.weight <= this.free) {
      this.queue.dequeue();
      this.free -= head.weight;
      head.enter();
    }
    this.show();
  });

  private show(): void {
    if (this.listeners.size === 0 || this.free === this.lastShown) {
      this.lastShown = this.free;
      return;
    }
    this.lastShown = this.free;
    for (const listener of [...this.listeners]) listener.next(this.free);
  }
}
