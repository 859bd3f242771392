import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { CleanupTracker, cleanups } from './CleanupTracker.js';
import { reportUnhandledError } from './internal/core/report.js';
import { CallbackSubscriber } from './internal/core/subscribers.js';
import { checkFunction, checkOptions, typeError } from './internal/core/validate.js';

/** Why a subscription ended. */
export type FinalizeReason = 'complete' | 'error' | 'unsubscribe';

/** Options of {@link finalizeWith}. */
export interface FinalizeWithOptions {
  /** Where an asynchronous cleanup is tracked. Default: `cleanups`. */
  readonly tracker?: CleanupTracker;
}

/**
 * Runs `callback(reason, error?)` exactly once when the subscription ends, saying why: `'complete'`,
 * `'error'` (with the error) or `'unsubscribe'` (cancelled: asyncio's `CancelledError`). If it
 * returns a promise, the cleanup is tracked in `options.tracker ?? cleanups`, so a process can
 * await it (`cleanups.settled()`, `runUntilSignal`).
 *
 * The callback runs after the source's own teardown and, on complete or error, before the
 * notification is forwarded — cleanup first, as with asyncio's `except …: cleanup; raise`. A
 * callback that throws, or a promise that rejects, is reported through rxjs's
 * `config.onUnhandledError`; it never reaches the subscriber.
 *
 * Cancellation through this package's operators reports `'unsubscribe'`: a source cut by
 * `timeoutWith`, a race loser of `raceFirst`, a section whose stream was unsubscribed.
 *
 * ```text
 * source:   --a--b--|          --a--#          --a--b---
 * output:   --a--b--|          --a--#          --a--!     (unsubscribed)
 * callback:         complete        error(#)        unsubscribe
 * ```
 *
 * @example
 * ```ts
 * import { finalizeWith } from 'rxjs-concurrency';
 *
 * download$.pipe(
 *   finalizeWith(async (reason) => {
 *     if (reason !== 'complete') await fs.rm(partialFile, { force: true });
 *   }),
 * );
 * ```
 */
export function finalizeWith<T>(
  callback: (reason: FinalizeReason, error?: unknown) => void | PromiseLike<unknown>,
  options?: FinalizeWithOptions,
): MonoTypeOperatorFunction<T> {
  checkFunction('finalizeWith', 'callback', callback);
  const tracker = checkOptions('finalizeWith', options).tracker ?? cleanups;
  if (!(tracker instanceof CleanupTracker)) typeError('finalizeWith', 'options.tracker', 'a CleanupTracker', tracker);

  return (source) =>
    new Observable<T>((subscriber) => {
      let ran = false;
      const run = (reason: FinalizeReason, error?: unknown) => {
        if (ran) return;
        ran = true;
        try {
          const result = reason === 'error' ? callback(reason, error) : callback(reason);
          if (result && typeof (result as PromiseLike<unknown>).then === 'function') tracker.track(result as PromiseLike<unknown>);
        } catch (thrown) {
          reportUnhandledError(thrown);
        }
      };
      const inner = new CallbackSubscriber<T>(
        subscriber,
        (value) => subscriber.next(value),
        (error) => {
          run('error', error);
          subscriber.error(error);
        },
        () => {
          run('complete');
          subscriber.complete();
        },
      );
      subscriber.add(() => run('unsubscribe'));
      source.subscribe(inner);
    });
}
