import type { MonoTypeOperatorFunction } from 'rxjs';
import { finalizeWith } from './finalizeWith.js';
import { checkFunction } from './internal/core/validate.js';

/**
 * Runs `callback` only when the subscriber unsubscribes before the source completed or errored —
 * asyncio's `except CancelledError:`. Nothing runs on complete or error. The callback runs after the
 * source's teardown; if it returns a promise, the cleanup is tracked in `cleanups`.
 *
 * ```text
 * source:   --a--b-----
 * output:   --a--b--!        unsubscribed at frame 8
 * callback:         ^        runs here, once
 * ```
 *
 * @example
 * ```ts
 * import { onCancel } from 'rxjs-concurrency';
 *
 * upload$.pipe(onCancel(() => console.log('upload cancelled by the user'))).subscribe();
 * ```
 */
export function onCancel<T>(callback: () => void | PromiseLike<unknown>): MonoTypeOperatorFunction<T> {
  checkFunction('onCancel', 'callback', callback);
  return finalizeWith<T>((reason) => (reason === 'unsubscribe' ? callback() : undefined));
}
