import process from 'node:process';
import { Observable } from 'rxjs';
import { checkSignals } from '../internal/core/validate.js';

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
  const names = checkSignals('fromSignal', 'signals', signals) as SignalName[];
  return new Observable<SignalName>((subscriber) => {
    const listener = (signal: SignalName) => subscriber.next(signal);
    for (const name of names) process.on(name, listener);
    return () => {
      for (const name of names) process.off(name, listener);
    };
  });
}
