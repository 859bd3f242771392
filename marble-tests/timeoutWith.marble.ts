import { describe, it, expect } from 'vitest';
import { Observable, TimeoutError, catchError, finalize, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { timeoutWith } from '../src/index.js';
import { marbles } from './helpers.js';

describe('timeoutWith (marbles)', () => {
  it('passes values through and mirrors completion before the deadline', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b|');
      expectObservable(source.pipe(timeoutWith(10))).toBe('--a--b|');
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('the deadline covers the whole source, not the gap between values', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--|');
      const out = source.pipe(timeoutWith(7), catchError((e) => of(e instanceof TimeoutError ? 'T' : 'other')));
      expectObservable(out).toBe('--a--b-(T|)', { a: 'a', b: 'b', T: 'T' });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('switches to the fallback after unsubscribing the source', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('  --a--b--c--|');
      const fallback = cold('       -yz|');
      expectObservable(source.pipe(timeoutWith(7, fallback))).toBe('--a--b--yz|');
      expectSubscriptions(source.subscriptions).toBe('^------!');
      expectSubscriptions(fallback.subscriptions).toBe('-------^--!');
    });
  });

  it('a fallback factory receives the TimeoutError', () => {
    marbles(({ cold, expectObservable }) => {
      const source = cold('-----a|');
      const out = source.pipe(timeoutWith(3, (e) => of(e instanceof TimeoutError ? e.name : 'other')));
      expectObservable(out).toBe('---(x|)', { x: 'TimeoutError' });
    });
  });

  it('a fallback factory that throws errors the output', () => {
    marbles(({ cold, expectObservable }) => {
      const out = cold('-----a|').pipe(
        timeoutWith(2, () => {
          throw 'nope';
        }),
      );
      expectObservable(out).toBe('--#', undefined, 'nope');
    });
  });

  it('an absolute Date deadline', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('----a|');
      // virtual time starts at 0, so Date(3) is frame 3
      expectObservable(source.pipe(timeoutWith(new Date(3), of('late')))).toBe('---(l|)', { l: 'late' });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('an error before the deadline passes through and cancels the timer', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a#');
      const fallback = cold('x|');
      expectObservable(source.pipe(timeoutWith(5, fallback))).toBe('-a#');
      expectSubscriptions(fallback.subscriptions).toBe([]);
    });
  });

  it('a source that completes synchronously wins even with due ≤ 0', () => {
    marbles(({ expectObservable }) => {
      expectObservable(of(1, 2).pipe(timeoutWith(0, of(9)))).toBe('(ab|)', { a: 1, b: 2 });
      expectObservable(of(1).pipe(timeoutWith(-5, of(9)))).toBe('(a|)', { a: 1 });
    });
  });

  it('due ≤ 0 times out at once a source that does not complete synchronously', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      expectObservable(source.pipe(timeoutWith(0, of('f')))).toBe('(f|)');
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('due = Infinity sets no timer', () => {
    const scheduler = new TestScheduler(() => undefined);
    const spy = { scheduled: 0, now: () => scheduler.now(), schedule: (...args: Parameters<TestScheduler['schedule']>) => (spy.scheduled++, scheduler.schedule(...args)) };
    const values: number[] = [];
    new Observable<number>((s) => s.next(1)).pipe(timeoutWith(Infinity, undefined, { scheduler: spy })).subscribe((v) => values.push(v));
    expect(values).toEqual([1]);
    expect(spy.scheduled).toBe(0);
  });

  it('the source’s teardown runs before the timeout error is delivered', () => {
    const log: string[] = [];
    marbles(({ cold, flush }) => {
      cold('-----a|')
        .pipe(
          finalize(() => log.push('cleanup')),
          timeoutWith(2),
        )
        .subscribe({ error: (e) => log.push(e.name) });
      flush();
    });
    expect(log).toEqual(['cleanup', 'TimeoutError']);
  });

  it('unsubscribing the output cancels the source and the timer', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-----a|');
      const fallback = cold('x|');
      expectObservable(source.pipe(timeoutWith(3, fallback)), '^-!').toBe('---');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(fallback.subscriptions).toBe([]);
    });
  });
});
