// A downstream project's own operator, property-tested with rxjs-concurrency/testing.
import { Observable } from 'rxjs';

/** Emits every other value: the 1st, 3rd, 5th, … */
export function everyOther() {
  return (source) =>
    new Observable((subscriber) => {
      let index = 0;
      return source.subscribe({
        next: (value) => index++ % 2 === 0 && subscriber.next(value),
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

/** The same, with a bug: it forgets the source's errors. */
export function everyOtherSwallowingErrors() {
  return (source) =>
    new Observable((subscriber) => {
      let index = 0;
      return source.subscribe({
        next: (value) => index++ % 2 === 0 && subscriber.next(value),
        error: () => subscriber.complete(),
        complete: () => subscriber.complete(),
      });
    });
}
