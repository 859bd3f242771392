import { describe, it, expect, expectTypeOf } from 'vitest';
import { Observable, of, throwError, lastValueFrom, timer, map, defer } from 'rxjs';
import { gatherSettled, type Settled } from '../src/index.js';

describe('gatherSettled', () => {
  it('a tuple of sources gives a tuple of Settled', () => {
    expectTypeOf(gatherSettled([of(1), of('a')])).toEqualTypeOf<Observable<[Settled<number>, Settled<string>]>>();
    expectTypeOf(gatherSettled([of(1), of(2)] as Observable<number>[])).toEqualTypeOf<Observable<Settled<number>[]>>();
  });

  it('ten tasks where 0, 4 and 8 fail: results in input order', async () => {
    const task = (i: number) => defer(() => (i % 4 === 0 ? throwError(() => new Error(`task ${i} failed`)) : timer(10 - i).pipe(map(() => i * i))));
    const results = await lastValueFrom(gatherSettled(Array.from({ length: 10 }, (_, i) => task(i)), { concurrency: 3 }));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(results.map((r) => r.index)).toEqual([...Array(10).keys()]);
    expect(results[5]).toEqual({ status: 'fulfilled', index: 5, value: 25 });
  });

  it('each subscription gathers on its own', async () => {
    const g = gatherSettled([timer(5).pipe(map(() => 'a'))]);
    const [x, y] = await Promise.all([lastValueFrom(g), lastValueFrom(g)]);
    expect(x).toEqual([{ status: 'fulfilled', index: 0, value: 'a' }]);
    expect(y).toEqual(x);
    expect(x).not.toBe(y);
  });

  it('100 000 synchronous sources', () => {
    let length = 0;
    gatherSettled(Array.from({ length: 100_000 }, (_, i) => of(i)), { concurrency: 4 }).subscribe((r) => (length = r.length));
    expect(length).toBe(100_000);
  });
});
