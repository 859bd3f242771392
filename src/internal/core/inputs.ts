import { from, type Observable, type ObservableInput } from 'rxjs';
import { typeError } from './validate.js';

// Apart from validate.ts, so that a bundle that checks numbers and functions only does not import
// `from` for nothing.

/** Turns one input into an Observable now, so that a bad input fails where the operator is built. */
export function toObservable<T>(fn: string, param: string, value: ObservableInput<T>): Observable<T> {
  try {
    return from(value);
  } catch {
    return typeError(fn, param, 'an ObservableInput', value);
  }
}

/** Reads a collection of sources once, converting each, so that a bad one is reported by index. */
export function toObservables<T>(fn: string, value: Iterable<ObservableInput<T>>, expected: string): Observable<T>[] {
  // an object with an iterator (a string is iterable, but not an object: refused too)
  if (value === null || typeof value !== 'object' || typeof value[Symbol.iterator] !== 'function') typeError(fn, 'sources', expected, value);
  return Array.from(value, (input, index) => toObservable(fn, `sources[${index}]`, input));
}
