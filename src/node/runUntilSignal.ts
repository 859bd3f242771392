import process from 'node:process';
import { cleanups } from 'rxjs-concurrency';
import type { ObservableInput, Subscription } from 'rxjs';
import { checkDuration, checkOptions, checkSignals, toObservable } from '../internal/core/validate.js';
import { fromSignal, type SignalName } from './fromSignal.js';

/** Options of {@link runUntilSignal}. */
export interface RunUntilSignalOptions {
  /** The signals that stop the source. Default `['SIGINT', 'SIGTERM']`. */
  readonly signals?: readonly SignalName[];
  /** How long to wait for the tracked cleanups, in ms. Default 10 000. */
  readonly cleanupTimeout?: number;
}

/**
 * Runs a long-lived source until the process is told to stop — asyncio's Ctrl+C / `KeyboardInterrupt`
 * handling done gracefully:
 *
 * 1. subscribes to `source`;
 * 2. on the first of `signals`, unsubscribes (every `finalizeWith` cleanup runs and is tracked);
 * 3. awaits `cleanups.settled(cleanupTimeout)`, then resolves with the signal's name.
 *
 * A second signal while cleaning up exits the process at once with code 130 (the impatient second
 * Ctrl+C). If the source completes by itself the promise resolves with `undefined` once the cleanups
 * have settled; if it errors, the promise rejects with its error, also once the cleanups have settled. If the cleanups do not settle in
 * time it rejects with rxjs's `TimeoutError`. The signal listeners are removed when the promise
 * settles.
 *
 * ```text
 * source:   --a--b--c--d---
 * SIGINT:   -----------^
 * source:   ^----------!         unsubscribed, cleanups run
 * promise:  --------------resolved('SIGINT') once cleanups.settled()
 * ```
 *
 * @example
 * ```ts
 * import { runUntilSignal } from 'rxjs-concurrency/node';
 *
 * await runUntilSignal(server$.pipe(finalizeWith(() => db.close())));
 * console.log('shut down cleanly');
 * ```
 */
export function runUntilSignal<T>(source: ObservableInput<T>, options?: RunUntilSignalOptions): Promise<SignalName | undefined> {
  const fn = 'runUntilSignal';
  const input = toObservable(fn, 'source', source);
  const opts = checkOptions(fn, options);
  const signals = checkSignals(fn, 'options.signals', opts.signals ?? ['SIGINT', 'SIGTERM']) as SignalName[];
  const cleanupTimeout = checkDuration(fn, 'options.cleanupTimeout', opts.cleanupTimeout ?? 10_000);

  return new Promise<SignalName | undefined>((resolve, reject) => {
    let stopping = false;
    let sourceSub: Subscription | undefined;
    // Every way out waits for the tracked cleanups first; a source error wins over a cleanup timeout.
    const finish = (signal: SignalName | undefined, sourceError?: { error: unknown }) => {
      cleanups.settled(cleanupTimeout).then(
        () => {
          signalSub.unsubscribe();
          if (sourceError) reject(sourceError.error);
          else resolve(signal);
        },
        (timeout: unknown) => {
          signalSub.unsubscribe();
          reject(sourceError ? sourceError.error : timeout);
        },
      );
    };
    const signalSub = fromSignal(signals).subscribe((signal) => {
      if (stopping) {
        process.exit(130);
      }
      stopping = true;
      sourceSub?.unsubscribe();
      finish(signal);
    });
    sourceSub = input.subscribe({
      error: (error: unknown) => {
        stopping = true;
        finish(undefined, { error });
      },
      complete: () => {
        stopping = true;
        finish(undefined);
      },
    });
  });
}
