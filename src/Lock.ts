import { Semaphore } from './Semaphore.js';

/**
 * A mutual-exclusion lock: asyncio's `Lock`, where `async with lock:` becomes
 * `lock.section(source)`. It is a `Semaphore` of one permit: FIFO, no barging, and the lock is
 * released only after the section's teardown has run.
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
export class Lock extends Semaphore {
  constructor() {
    super(1);
  }

  /** @internal */
  protected override get label_(): string {
    return 'Lock';
  }

  /** A lock has one permit: it cannot be resized (a `TypeError`). */
  override resize(permits: number): never {
    throw new TypeError(`Lock.resize: a Lock always has one permit, got ${String(permits)}`);
  }

  /** True while a section holds the lock. */
  get locked(): boolean {
    return this.available === 0;
  }
}
