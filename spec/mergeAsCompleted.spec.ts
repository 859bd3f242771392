import { describe, it, expect, expectTypeOf } from 'vitest';
import { Observable, Subject, VirtualTimeScheduler, NEVER, of, lastValueFrom, toArray, timer, map, EMPTY } from 'rxjs';
import { mergeAsCompleted, type Completed, type Settled } from '../src/index.js';
import { newTestScheduler } from './helpers.js';

describe('mergeAsCompleted', () => {
  it('types: { index, value } without settle, Settled with settle', () => {
    expectTypeOf(mergeAsCompleted([of(1), of('a')])).toEqualTypeOf<Observable<Completed<number | string>>>();
    expectTypeOf(mergeAsCompleted([of(1)], { settle: true })).toEqualTypeOf<Observable<Settled<number>>>();
    expectTypeOf(mergeAsCompleted(of(of(true)))).toEqualTypeOf<Observable<Completed<boolean>>>();
  });

  it('durations 3, 1, 2 arrive as 2, 3, 1', () => {
    // virtual time: real timers 5 ms apart can fire out of order on a loaded machine
    newTestScheduler().run(({ expectObservable }) => {
      const item = (id: number, ms: number) => timer(ms * 5).pipe(map(() => `item ${id}`));
      const out = mergeAsCompleted([item(1, 3), item(2, 1), item(3, 2)]).pipe(map((x) => x.value));
      expectObservable(out).toBe('5ms a 4ms b 4ms (c|)', { a: 'item 2', b: 'item 3', c: 'item 1' });
    });
  });

  it('takes promises and async iterables', async () => {
    async function* gen() {
      yield 1;
      yield 2;
    }
    const out = await lastValueFrom(mergeAsCompleted([Promise.resolve('p'), gen()]).pipe(toArray()));
    expect(out).toEqual(expect.arrayContaining([{ index: 0, value: 'p' }, { index: 1, value: 2 }]));
  });

  it('100 000 synchronous sources with concurrency 1 pass without a stack overflow', () => {
    let count = 0;
    let done = false;
    const sources = Array.from({ length: 100_000 }, (_, i) => of(i));
    mergeAsCompleted(sources, { concurrency: 1 }).subscribe({ next: () => count++, complete: () => (done = true) });
    expect([count, done]).toEqual([100_000, true]);
  });

  it('100 000 synchronous sources arriving through an Observable', () => {
    let count = 0;
    const outer = new Observable<Observable<number>>((s) => {
      for (let i = 0; i < 100_000; i++) s.next(of(i));
      s.complete();
    });
    mergeAsCompleted(outer, { concurrency: 2 }).subscribe(() => count++);
    expect(count).toBe(100_000);
  });

  it('each source is torn down exactly once, whatever the exit', () => {
    const teardowns: number[] = [];
    const make = (i: number) => new Observable<number>((s) => {
      if (i === 1) s.error('x');
      return () => teardowns.push(i);
    });
    mergeAsCompleted([make(0), make(1), make(2)]).subscribe({ error: () => undefined });
    expect(teardowns.sort()).toEqual([0, 1]); // 2 never started: 1 failed synchronously first
  });

  it('an outer error errors the output and unsubscribes the active sources', () => {
    const outer = new Subject<Observable<number>>();
    let torn = 0;
    let error: unknown;
    mergeAsCompleted(outer).subscribe({ error: (e) => (error = e) });
    outer.next(new Observable(() => () => torn++));
    outer.error('outer');
    expect([error, torn]).toEqual(['outer', 1]);
  });

  it("the deadline's timer goes with the output: when it completes before the deadline, and when it is unsubscribed", () => {
    const scheduler = new VirtualTimeScheduler();
    const seen: unknown[] = [];
    mergeAsCompleted([of(1)], { timeout: 1000, scheduler }).subscribe({ next: (v) => seen.push(v), complete: () => seen.push('done') });
    expect(seen).toEqual([{ index: 0, value: 1 }, 'done']);
    expect(scheduler.actions).toHaveLength(0);
    const running = mergeAsCompleted([NEVER], { timeout: 1000, scheduler, settle: true }).subscribe((v) => seen.push(v));
    expect(scheduler.actions).toHaveLength(1);
    running.unsubscribe();
    expect(scheduler.actions).toHaveLength(0);
    scheduler.flush();
    expect(seen).toEqual([{ index: 0, value: 1 }, 'done']);
  });

  it('an empty input completes at once', () => {
    let done = false;
    mergeAsCompleted([]).subscribe({ complete: () => (done = true) });
    expect(done).toBe(true);
    void EMPTY;
  });
});
