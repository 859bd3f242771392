// KeyedSemaphore in virtual time: the rotation across keys, the cap per key, a waiter cancelled,
// resize — with the subscription frames of every section's source.
import { describe, it } from 'vitest';
import { merge, takeUntil } from 'rxjs';
import { KeyedSemaphore } from '../src/index.js';
import { at, marbles } from './helpers.js';


describe('KeyedSemaphore', () => {
  it('two keys take turns: the second key goes between the first key’s waiters, not after them', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const keyed = new KeyedSemaphore<string>({ permits: 1 });
      const a1 = cold('--a|');
      const a2 = cold('--b|');
      const a3 = cold('--c|');
      const x1 = cold('--x|');
      const expected = '--a--b--x--c|';
      expectObservable(merge(keyed.section('a', a1), keyed.section('a', a2), keyed.section('a', a3), keyed.section('x', x1))).toBe(expected);
      expectSubscriptions(a1.subscriptions).toBe('^--!');
      expectSubscriptions(a2.subscriptions).toBe('---^--!');
      expectSubscriptions(x1.subscriptions).toBe('------^--!');
      expectSubscriptions(a3.subscriptions).toBe('---------^--!');
    });
  });

  it('a key at its cap is passed over: the other key uses the free permit', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const keyed = new KeyedSemaphore<string>({ permits: 2, perKey: 1 });
      const a1 = cold('----a|');
      const a2 = cold('-b|');
      const x1 = cold('-x|');
      const expected = '-x--a-b|';
      expectObservable(merge(keyed.section('a', a1), keyed.section('a', a2), keyed.section('x', x1))).toBe(expected);
      expectSubscriptions(a1.subscriptions).toBe('^----!');
      expectSubscriptions(x1.subscriptions).toBe('^-!');
      expectSubscriptions(a2.subscriptions).toBe('-----^-!');
    });
  });

  it('a waiter unsubscribed while it waits never subscribes, and the next key takes its turn', () => {
    marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const keyed = new KeyedSemaphore<string>({ permits: 1 });
      const a1 = cold('---a|');
      const b1 = cold('b|');
      const c1 = cold('c|');
      const stop = hot('--s');
      const expected = '---ac|';
      expectObservable(merge(keyed.section('a', a1), keyed.section('b', b1).pipe(takeUntil(stop)), keyed.section('c', c1))).toBe(expected);
      expectSubscriptions(a1.subscriptions).toBe('^---!');
      expectSubscriptions(b1.subscriptions).toBe([]);
      expectSubscriptions(c1.subscriptions).toBe('----^!');
    });
  });

  it('resize: growing serves the waiting keys in turn at the frame of the resize', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const keyed = new KeyedSemaphore<string>({ permits: 1 });
      const a1 = cold('-------a|');
      const a2 = cold('-b|');
      const x1 = cold('-x|');
      const expected = '---(bx)a|';
      expectObservable(merge(keyed.section('a', a1), keyed.section('a', a2), keyed.section('x', x1), at(2, () => keyed.resize(3)))).toBe(expected);
      expectSubscriptions(a1.subscriptions).toBe('^-------!');
      expectSubscriptions(a2.subscriptions).toBe('--^-!');
      expectSubscriptions(x1.subscriptions).toBe('--^-!');
    });
  });
});
