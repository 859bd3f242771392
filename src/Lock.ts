import type { Observable, ObservableInput } from 'rxjs';
import { gatedSection } from './internal/sections/gatedSection.js';
import { Permits } from './internal/sections/permits.js';
import type { Lease, PermitSource } from './types.js';

/**
 * A mutual-exclusion lock: asyncio's `Lock`, where `async with lock:` becomes
 * `lock.section(source)`. It works as a `Semaphore` of one permit: FIFO, no barging, and the lock
 * is released only after the section's teardown has run. It is its own class, not a `Semaphore`
 * (no `available$`, no `resize`), so an app that only locks does not ship a semaphore's extras.
 *
 * **Not re-entrant**, as asyncio's is not: a section that waits for its own lock (a nested
 * `lock.section(...)` inside a section of the same lock) waits forever.
 *
 * ```text
 * a:        lock.section(---a|)   ^---!
 * b:        lock.section(-b|)         ^-!     waits for a
 * locked    false → true (0) → false (6)
 * ```
 *
 * @example
 * ```ts
 * import { Lock } from 'rxjs-concurrency';
 *
 * const lock = new Lock();
 * let counter = 0;
 * const increment = defer(() => { const read = counter; return timer(1).pipe(tap(() => (counter = read + 1))); });
 * merge(...Array.from({ length: 10 }, () => lock.section(increment))).subscribe(); // counter ends at 10
 * ```
 */
export class Lock extends Permits implements PermitSource {
  constructor() {
    super(1);
  }

  /** True while a section holds the lock. */
  get locked(): boolean {
    return this.free_ < 1;
  }

  // here and on Semaphore, not on Permits: semaphoreMap ships Permits and never reads it
  /** Sections waiting for the lock. */
  get waiting(): number {
    return this.queue_.size_;
  }

  /** 1 while the lock is free, 0 while a section holds it. */
  get available(): number {
    return this.free_;
  }

  /**
   * Runs `source` as a critical section: waits for the lock, subscribes, and releases the lock once
   * the source has ended or been unsubscribed and its teardown has run. A factory `(lease) => source`
   * is called when the lock is granted. (`weight`, as any `PermitSource` takes it, can only be 1.)
   */
  section<T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight = 1): Observable<T> {
    return gatedSection(this, 'Lock.section', source, weight);
  }

  /** A lock has one permit: it cannot be resized (a `TypeError`). */
  resize(permits: number): never {
    throw new TypeError(`Lock.resize: a Lock always has one permit, got ${String(permits)}`);
  }
}
