import { TimeoutError } from 'rxjs';
import { reportUnhandledError } from './internal/core/report.js';
import { setLongTimeout } from './internal/core/timers.js';
import { checkDuration, typeError } from './internal/core/validate.js';

/**
 * Keeps count of asynchronous cleanups still running, so a process can wait for them before it
 * exits: what asyncio gives by awaiting the cancelled task. RxJS cannot await a teardown, so
 * `finalizeWith` hands the promise of an asynchronous cleanup to a tracker (`cleanups` by default),
 * and `settled()` waits for all of them.
 *
 * A cleanup that throws or rejects is reported through rxjs's `config.onUnhandledError` and does not
 * stop the others; it counts as finished.
 *
 * ```text
 * finalizeWith(async cleanup)   unsubscribe ─┐
 * cleanups.pending              0 ───────────1──────────0
 * cleanups.settled()            ─────────────────────────resolves
 * ```
 *
 * @example
 * ```ts
 * import { cleanups, finalizeWith } from 'rxjs-concurrency';
 *
 * const sub = job$.pipe(finalizeWith(async () => await db.close())).subscribe();
 * sub.unsubscribe();
 * await cleanups.settled(5_000); // rejects with a TimeoutError if db.close() hangs
 * ```
 */
export class CleanupTracker {
  private readonly running = new Set<Promise<void>>();
  private readonly idle = new Set<() => void>();

  /** How many tracked cleanups have not settled yet. */
  get pending(): number {
    return this.running.size;
  }

  /** Tracks an asynchronous cleanup until it settles. `finalizeWith` calls this for you. */
  track(cleanup: PromiseLike<unknown>): void {
    if (cleanup === null || typeof (cleanup as { then?: unknown } | undefined)?.then !== 'function') {
      typeError('CleanupTracker.track', 'cleanup', 'a promise', cleanup);
    }
    const done: Promise<void> = Promise.resolve(cleanup).then(
      () => this.finish(done),
      (error: unknown) => {
        this.finish(done);
        reportUnhandledError(error);
      },
    );
    this.running.add(done);
  }

  /**
   * Resolves when every tracked cleanup has settled (cleanups tracked while waiting included).
   * With `timeout` (ms), rejects with rxjs's `TimeoutError` saying how many are still pending.
   */
  settled(timeout = Infinity): Promise<void> {
    checkDuration('CleanupTracker.settled', 'timeout', timeout);
    if (this.running.size === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onIdle = () => {
        timer.cancel();
        resolve();
      };
      this.idle.add(onIdle);
      const timer = setLongTimeout(() => {
        this.idle.delete(onIdle);
        const error = new TimeoutError();
        const n = this.running.size;
        error.message = `${n} cleanup${n === 1 ? '' : 's'} still pending after ${timeout} ms`;
        reject(error);
      }, timeout);
    });
  }

  private finish(cleanup: Promise<void>): void {
    this.running.delete(cleanup);
    if (this.running.size > 0) return;
    const waiting = [...this.idle];
    this.idle.clear();
    for (const onIdle of waiting) onIdle();
  }
}

/** The tracker that `finalizeWith` uses unless told otherwise, and that `runUntilSignal` awaits. */
export const cleanups = /* @__PURE__ */ new CleanupTracker();
