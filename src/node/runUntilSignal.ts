import process from 'node:process';
import { cleanups } from '../CleanupTracker.js';
import type { ObservableInput, Subscription } from 'rxjs';
import { checkDuration, checkOptions } from '../internal/core/validate.js';
import { toObservable } from '../internal/core/inputs.js';
import { checkListenable, fromSignal, signalExitCode, type SignalName } from './fromSignal.js';

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
 * A second signal while cleaning up exits the process at once with code 128 + the signal's number
 * (130 for SIGINT, 143 for SIGTERM: the impatient second Ctrl+C). Only a second signal does: the
 * first one, even when it comes after the source ended by itself, waits for the cleanups. If the source completes by itself the promise resolves with `undefined` once the cleanups
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
  const signals = checkListenable(fn, 'options.signals', opts.signals ?? ['SIGINT', 'SIGTERM']);
  const cleanupTimeout = checkDuration(fn, 'options.cleanupTimeout', opts.cleanupTimeout ?? 10_000);

  return new Promise<SignalName | undefined>((resolve, reject) => {
    let stopping = false;
    let signalled = false;
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
    const signalSub = fromSignal(signals).subscribe({
      next: (signal) => {
        // only a second signal is impatient: the first one asks for a graceful stop, even when
        // the source had already ended by itself and its cleanups are still running
        if (signalled) process.exit(signalExitCode(signal));
        signalled = true;
        if (stopping) return;
        stopping = true;
        sourceSub?.unsubscribe();
        finish(signal);
      },
      // the listeners could not be installed: nothing runs, and the caller hears why at once
      error: (error: unknown) => {
        stopping = true;
        sourceSub?.unsubscribe();
        reject(error);
      },
    });
    if (signalSub.closed) return;
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
