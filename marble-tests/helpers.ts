import { concat, defer, ignoreElements, timer, type Observable } from 'rxjs';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import { expect } from 'vitest';

/** Runs `callback` in virtual time, comparing marbles with vitest's deep equality. */
export function marbles(callback: (helpers: RunHelpers) => void): void {
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(callback);
}

/** Runs `action` at `frame` inside a marble run, as part of the output (it emits nothing). */
export const at = (frame: number, action: () => void): Observable<never> =>
  timer(frame).pipe(ignoreElements(), (o) => concat(o, defer(() => (action(), [])).pipe(ignoreElements())));
