import { describe, it } from 'vitest';
import { EmptyError, TimeoutError, map } from 'rxjs';
import { gatherSettled, type Settled } from '../src/index.js';
import { marbles } from './helpers.js';

const brief = (list: Settled<unknown>[]) =>
  list.map((s) =>
    s.status === 'fulfilled'
      ? `${s.index}:${String(s.value)}`
      : `${s.index}:${s.reason instanceof TimeoutError ? 'timeout' : s.reason instanceof EmptyError ? 'empty' : String(s.reason)}`,
  );

describe('gatherSettled (marbles)', () => {
  it('emits once, in input order, after every source has ended, and never errors', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' --a---b|');
      const s1 = cold(' ---#', undefined, 'bad');
      const s2 = cold(' -|');
      expectObservable(gatherSettled([s0, s1, s2]).pipe(map(brief))).toBe('-------(x|)', { x: ['0:b', '1:bad', '2:empty'] });
      expectSubscriptions(s0.subscriptions).toBe('^------!');
      expectSubscriptions(s1.subscriptions).toBe('^--!');
      expectSubscriptions(s2.subscriptions).toBe('^!');
    });
  });

  it('emits [] at once for no sources', () => {
    marbles(({ expectObservable }) => {
      expectObservable(gatherSettled([])).toBe('(x|)', { x: [] });
    });
  });

  it('limits concurrency and starts the rest in input order', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' ---a|');
      const s1 = cold('     --b|');
      const s2 = cold('        -c|');
      expectObservable(gatherSettled([s0, s1, s2], { concurrency: 1 }).pipe(map(brief))).toBe('---------(x|)', { x: ['0:a', '1:b', '2:c'] });
      expectSubscriptions(s0.subscriptions).toBe('^---!');
      expectSubscriptions(s1.subscriptions).toBe('----^--!');
      expectSubscriptions(s2.subscriptions).toBe('-------^-!');
    });
  });

  it('timeout cancels the unfinished sources and settles them as TimeoutError', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' -a|');
      const s1 = cold(' ------b|');
      const s2 = cold('   -----c|');
      expectObservable(gatherSettled([s0, s1, s2], { concurrency: 2, timeout: 4 }).pipe(map(brief))).toBe('----(x|)', {
        x: ['0:a', '1:timeout', '2:timeout'],
      });
      expectSubscriptions(s0.subscriptions).toBe('^-!');
      expectSubscriptions(s1.subscriptions).toBe('^---!');
      expectSubscriptions(s2.subscriptions).toBe('--^-!');
    });
  });

  it('unsubscribing the output unsubscribes every source', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' -----a|');
      const s1 = cold(' ----b|');
      expectObservable(gatherSettled([s0, s1]), '^--!').toBe('----');
      expectSubscriptions(s0.subscriptions).toBe('^--!');
      expectSubscriptions(s1.subscriptions).toBe('^--!');
    });
  });
});
