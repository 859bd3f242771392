// A downstream project's own operator, property-tested with rxjs-concurrency/testing
// (docs/testing.md quotes the part between the `docs:` lines).
// docs: begin
import { filter } from 'rxjs';

/**
 * Emits every other value: the 1st, 3rd, 5th, … Built from rxjs's operators, so it passes the
 * composed contract too: over an endless synchronous source, take(1) downstream stops it. (A
 * hand-written `source.subscribe({ next, error, complete })` with a plain observer cannot be stopped
 * there, and the contract's 'endless' composition says so.)
 */
export function everyOther() {
  return (source) => source.pipe(filter((_, index) => index % 2 === 0));
}
// docs: end

import { EMPTY, catchError } from 'rxjs';

/** The same, with a bug: it forgets the source's errors. */
export function everyOtherSwallowingErrors() {
  return (source) => source.pipe(everyOther(), catchError(() => EMPTY));
}
