import { constants } from 'node:os';
import process from 'node:process';
import { Observable } from 'rxjs';
import { checkSignals, typeError } from '../internal/core/validate.js';

/** A signal name as Node spells it: `'SIGINT'`, `'SIGTERM'`, … */
export type SignalName = NodeJS.Signals;

/**
 * Emits the signal's name each time the process receives one of `signals`: asyncio's
 * `loop.add_signal_handler`. Listeners are installed on subscribe and removed on unsubscribe, so
 * while subscribed the process's default action (exit on SIGINT) is replaced by the stream.
 *
 * ```text
 * process:  ----SIGINT-----SIGINT--
 * output:   ----i----------i-------
 * ```
 *
 * @example
 * ```ts
 * import { fromSignal } from 'rxjs-concurrency/node';
 *
 * fromSignal('SIGHUP').subscribe(() => reloadConfig());
 * ```
 */
export function fromSignal(signals: SignalName | readonly SignalName[]): Observable<SignalName> {
  const names = checkListenable('fromSignal', 'signals', signals);
  return new Observable<SignalName>((subscriber) => {
    const listener = (signal: SignalName) => subscriber.next(signal);
    for (const name of names) {
      // the teardown first: if installing a later listener throws, this one is still removed
      subscriber.add(() => process.off(name, listener));
      process.on(name, listener);
    }
  });
}

/** SIGKILL and SIGSTOP end or stop a process without asking it: no listener can be installed. */
const UNLISTENABLE = new Set(['SIGKILL', 'SIGSTOP']);

/**
 * Signal names this process can listen to: known to Node on this platform, and neither SIGKILL nor
 * SIGSTOP. Anything else is a `TypeError` at the call, before any listener is installed.
 */
export function checkListenable(fn: string, param: string, signals: unknown): SignalName[] {
  const names = checkSignals(fn, param, signals) as SignalName[];
  for (const name of names) {
    if (UNLISTENABLE.has(name)) typeError(fn, param, 'signals a process can listen to (not SIGKILL or SIGSTOP)', name);
    if (!(name in constants.signals)) typeError(fn, param, 'signal names this platform knows', name);
  }
  return names;
}

/** The exit code of a process ended by `signal`: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: SignalName): number {
  return 128 + (constants.signals[signal] ?? 0);
}
