import { describe, it, expect, expectTypeOf } from 'vitest';
import { Observable, of, range, lastValueFrom, toArray, NEVER, TimeoutError, type OperatorFunction, type MonoTypeOperatorFunction } from 'rxjs';
import { timeoutWith } from '../src/index.js';

describe('timeoutWith', () => {
  it('types: a fallback widens the output type', () => {
    expectTypeOf(timeoutWith<number>(10)).toEqualTypeOf<MonoTypeOperatorFunction<number>>();
    expectTypeOf(timeoutWith<number, string>(10, of('x'))).toEqualTypeOf<OperatorFunction<number, number | string>>();
  });

  it('errors with rxjs’s own TimeoutError in real time', async () => {
    const error = await lastValueFrom(NEVER.pipe(timeoutWith(5))).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('an absolute Date in the past times out at once unless the source completes synchronously', async () => {
    const past = new Date(Date.now() - 1000);
    expect(await lastValueFrom(of(1).pipe(timeoutWith(past, of(2))))).toBe(1);
    expect(await lastValueFrom(NEVER.pipe(timeoutWith(past, of(2))))).toBe(2);
  });

  it('100 000 synchronous values pass through', async () => {
    expect((await lastValueFrom(range(0, 100_000).pipe(timeoutWith(1000), toArray()))).length).toBe(100_000);
  });

  it('the source is torn down exactly once on every path', async () => {
    let torn = 0;
    const source = new Observable<number>(() => () => torn++);
    await lastValueFrom(source.pipe(timeoutWith(1, of(0))));
    expect(torn).toBe(1);
    const sub = source.pipe(timeoutWith(1000)).subscribe();
    sub.unsubscribe();
    sub.unsubscribe();
    expect(torn).toBe(2);
  });
});
