import { describe, it, expect } from 'vitest';
import { NEVER, of } from 'rxjs';
import { raceFirst, mergeAsCompleted, gatherSettled, timeoutWith } from '../src/index.js';

type Case = readonly [name: string, build: () => unknown, error: typeof TypeError | typeof RangeError, message: RegExp];

const cases: Case[] = [
  ['raceFirst sources not iterable', () => raceFirst(42 as never), TypeError, /^raceFirst: sources must be/],
  ['raceFirst a source not an input', () => raceFirst([of(1), 5 as never]), TypeError, /^raceFirst: sources\[1\] must be an ObservableInput/],
  ['raceFirst stagger negative', () => raceFirst([of(1)], { stagger: -1 }), RangeError, /^raceFirst: options\.stagger must be .*got -1/],
  ['raceFirst stagger NaN', () => raceFirst([of(1)], { stagger: NaN }), RangeError, /^raceFirst: options\.stagger .*got NaN/],
  ['raceFirst stagger string', () => raceFirst([of(1)], { stagger: '5' as never }), TypeError, /^raceFirst: options\.stagger .*got '5'/],
  ['raceFirst scheduler', () => raceFirst([of(1)], { scheduler: {} as never }), TypeError, /^raceFirst: options\.scheduler must be a SchedulerLike/],
  ['raceFirst options', () => raceFirst([of(1)], 3 as never), TypeError, /^raceFirst: options must be an object/],
  ['mergeAsCompleted sources', () => mergeAsCompleted(null as never), TypeError, /^mergeAsCompleted: sources must be/],
  ['mergeAsCompleted a source', () => mergeAsCompleted([{} as never]), TypeError, /^mergeAsCompleted: sources\[0\] must be an ObservableInput/],
  ['mergeAsCompleted concurrency 0', () => mergeAsCompleted([of(1)], { concurrency: 0 }), RangeError, /^mergeAsCompleted: options\.concurrency must be a positive integer or Infinity, got 0$/],
  ['mergeAsCompleted concurrency 1.5', () => mergeAsCompleted([of(1)], { concurrency: 1.5 }), RangeError, /concurrency .*got 1\.5/],
  ['mergeAsCompleted concurrency string', () => mergeAsCompleted([of(1)], { concurrency: '2' as never }), TypeError, /concurrency .*got '2'/],
  ['mergeAsCompleted timeout -1', () => mergeAsCompleted([of(1)], { timeout: -1 }), RangeError, /^mergeAsCompleted: options\.timeout must be a number of milliseconds from 0 up, got -1$/],
  // only undefined means "not given" (Infinity); null is a mistake
  ['mergeAsCompleted concurrency null', () => mergeAsCompleted([of(1)], { concurrency: null as never }), TypeError, /^mergeAsCompleted: options\.concurrency must be a positive integer or Infinity, got null$/],
  ['gatherSettled timeout null', () => gatherSettled([of(1)], { timeout: null as never }), TypeError, /^gatherSettled: options\.timeout must be a number of milliseconds, got null$/],
  ['mergeAsCompleted timeout NaN', () => mergeAsCompleted([of(1)], { timeout: NaN }), RangeError, /timeout .*got NaN/],
  ['mergeAsCompleted settle', () => mergeAsCompleted([of(1)], { settle: 'yes' as never }), TypeError, /^mergeAsCompleted: options\.settle must be a boolean/],
  ['mergeAsCompleted scheduler', () => mergeAsCompleted([of(1)], { scheduler: 1 as never }), TypeError, /^mergeAsCompleted: options\.scheduler/],
  ['gatherSettled sources', () => gatherSettled('abc' as never), TypeError, /^gatherSettled: sources must be/],
  ['gatherSettled concurrency', () => gatherSettled([of(1)], { concurrency: -2 }), RangeError, /^gatherSettled: options\.concurrency .*got -2/],
  ['gatherSettled timeout', () => gatherSettled([of(1)], { timeout: 'x' as never }), TypeError, /^gatherSettled: options\.timeout .*got 'x'/],
  ['gatherSettled scheduler', () => gatherSettled([of(1)], { scheduler: null as never }), TypeError, /^gatherSettled: options\.scheduler/],
  ['timeoutWith due string', () => timeoutWith('10' as never), TypeError, /^timeoutWith: due must be a number of milliseconds or a Date, got '10'/],
  ['timeoutWith due NaN', () => timeoutWith(NaN), RangeError, /^timeoutWith: due .*got NaN/],
  ['timeoutWith invalid Date', () => timeoutWith(new Date('nope')), RangeError, /^timeoutWith: due must be a valid Date, got Invalid Date$/],
  ['timeoutWith fallback', () => timeoutWith(10, 42 as never), TypeError, /^timeoutWith: fallback must be an ObservableInput/],
  ['timeoutWith scheduler', () => timeoutWith(10, undefined, { scheduler: {} as never }), TypeError, /^timeoutWith: options\.scheduler/],
];

describe('bad arguments throw synchronously, naming the function and the parameter', () => {
  it.each(cases)('%s', (_name, build, ErrorClass, message) => {
    let thrown: unknown;
    try {
      build();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ErrorClass);
    expect((thrown as Error).message).toMatch(message);
  });

  it('a bad item of an Observable of sources errors the output with a TypeError', () => {
    let error: unknown;
    mergeAsCompleted(of(of(1), 7 as never)).subscribe({ error: (e) => (error = e) });
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^mergeAsCompleted: sources\[1\] must be an ObservableInput/);
  });

  it('a fallback factory returning a non-input errors the output with a TypeError', () => {
    let error: unknown;
    NEVER.pipe(timeoutWith(0, () => 5 as never))
      .subscribe({ error: (e) => (error = e) });
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toMatch(/^timeoutWith: the result of fallback\(error\) must be/);
        resolve();
      }, 10),
    );
  });
});
