import { describe, it, expect, expectTypeOf } from 'vitest';
import { EMPTY, EmptyError, Observable, of, range, throwError, timer, map, firstValueFrom, lastValueFrom, toArray, take } from 'rxjs';
import { raceFirst } from '../src/index.js';

describe('raceFirst', () => {
  it('keeps the element types of a tuple as a union', () => {
    expectTypeOf(raceFirst([of(1), of('a')])).toEqualTypeOf<Observable<number | string>>();
  });

  it('races promises and arrays too', async () => {
    const slow = new Promise<string>((r) => setTimeout(() => r('slow'), 50));
    const fast = new Promise<string>((r) => setTimeout(() => r('fast'), 5));
    expect(await firstValueFrom(raceFirst([slow, fast]))).toBe('fast');
    expect(await lastValueFrom(raceFirst([[1, 2, 3], of(9)]).pipe(toArray()))).toEqual([1, 2, 3]);
  });

  it('tears every loser down exactly once, and the winner once at the end', async () => {
    const teardowns = [0, 0, 0];
    const source = (i: number, ms: number) =>
      new Observable<number>((s) => {
        const t = setTimeout(() => (s.next(i), s.complete()), ms);
        return () => {
          clearTimeout(t);
          teardowns[i]!++;
        };
      });
    expect(await lastValueFrom(raceFirst([source(0, 30), source(1, 5), source(2, 20)]))).toBe(1);
    expect(teardowns).toEqual([1, 1, 1]);
  });

  it('AggregateError holds each error in input order, EmptyError for the empty ones', async () => {
    const error = await lastValueFrom(raceFirst([throwError(() => 'x'), EMPTY, timer(1).pipe(map(() => { throw 'y'; }))])).catch((e) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors[0]).toBe('x');
    expect(error.errors[1]).toBeInstanceOf(EmptyError);
    expect(error.errors[2]).toBe('y');
  });

  it('100 000 sources that fail synchronously, then a winner, without a stack overflow (with and without stagger)', () => {
    const sources = [...Array.from({ length: 100_000 }, () => EMPTY), of('won')];
    let got: string | undefined;
    raceFirst(sources).subscribe((v) => (got = v));
    expect(got).toBe('won');
    got = undefined;
    raceFirst(sources, { stagger: 10 }).subscribe((v) => (got = v));
    expect(got).toBe('won');
  });

  it('a synchronous winner stops before the later sources are subscribed', () => {
    let subscribed = 0;
    const spy = new Observable<number>(() => void subscribed++);
    const values: number[] = [];
    raceFirst([range(1, 3), spy]).subscribe((v) => values.push(v));
    expect(values).toEqual([1, 2, 3]);
    expect(subscribed).toBe(0);
  });

  it('stops a long synchronous winner when the output is unsubscribed', () => {
    const values: number[] = [];
    raceFirst([range(0, 1e9)]).pipe(take(3)).subscribe((v) => values.push(v));
    expect(values).toHaveLength(3);
  });

  it('subscribes to the sources in input order', () => {
    const order: number[] = [];
    const source = (i: number) => new Observable<number>(() => void order.push(i));
    raceFirst([source(0), source(1), source(2)]).subscribe();
    expect(order).toEqual([0, 1, 2]);
  });
});
