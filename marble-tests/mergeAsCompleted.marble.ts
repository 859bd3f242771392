import { describe, it } from 'vitest';
import { EmptyError, TimeoutError, catchError, map, of } from 'rxjs';
import { mergeAsCompleted, type Settled } from '../src/index.js';
import { marbles } from './helpers.js';

const brief = (s: Settled<unknown>) =>
  s.status === 'fulfilled'
    ? `${s.index}:${String(s.value)}`
    : `${s.index}:${s.reason instanceof TimeoutError ? 'timeout' : s.reason instanceof EmptyError ? 'empty' : String(s.reason)}`;

describe('mergeAsCompleted (marbles)', () => {
  it('emits each source’s last value in completion order', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' ---a--b|');
      const s1 = cold(' -c|');
      const s2 = cold(' ----d|');
      const expected = '--y--z-(x|)';
      expectObservable(mergeAsCompleted([s0, s1, s2])).toBe(expected, {
        x: { index: 0, value: 'b' },
        y: { index: 1, value: 'c' },
        z: { index: 2, value: 'd' },
      });
      expectSubscriptions(s0.subscriptions).toBe('^------!');
      expectSubscriptions(s1.subscriptions).toBe('^-!');
      expectSubscriptions(s2.subscriptions).toBe('^----!');
    });
  });

  it('runs at most `concurrency` sources, starting the rest in input order as slots free', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' ----a|');
      const s1 = cold(' -b|');
      const s2 = cold('   --c|');
      const s3 = cold('      -----d|');
      const expected = '--y--(xz)--(w|)';
      const out = mergeAsCompleted([s0, s1, s2, s3], { concurrency: 2 }).pipe(map((i) => `${i.index}${i.value}`));
      expectObservable(out).toBe(expected, { y: '1b', x: '0a', z: '2c', w: '3d' });
      expectSubscriptions(s0.subscriptions).toBe('^----!');
      expectSubscriptions(s1.subscriptions).toBe('^-!');
      expectSubscriptions(s2.subscriptions).toBe('--^--!');
      expectSubscriptions(s3.subscriptions).toBe('-----^-----!');
    });
  });

  it('fails fast: the first error unsubscribes every active source and never starts the rest', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' ------a|');
      const s1 = cold(' ---#', undefined, 'boom');
      const s2 = cold(' -c|');
      const s3 = cold('   ----d|');
      const s4 = cold(' e|');
      const out = mergeAsCompleted([s0, s1, s2, s3, s4], { concurrency: 3 });
      expectObservable(out).toBe('--x#', { x: { index: 2, value: 'c' } }, 'boom');
      expectSubscriptions(s0.subscriptions).toBe('^--!');
      expectSubscriptions(s1.subscriptions).toBe('^--!');
      expectSubscriptions(s2.subscriptions).toBe('^-!');
      expectSubscriptions(s3.subscriptions).toBe('--^!');
      expectSubscriptions(s4.subscriptions).toBe([]);
    });
  });

  it('a source that completes empty fails with EmptyError, or settles as rejected', () => {
    marbles(({ cold, expectObservable }) => {
      const empty = cold('--|');
      const other = cold('----a|');
      expectObservable(mergeAsCompleted([other, empty]).pipe(catchError((e) => of(e instanceof EmptyError ? 'empty' : 'other')))).toBe('--(e|)', {
        e: 'empty',
      });
      expectObservable(mergeAsCompleted([other, empty], { settle: true }).pipe(map(brief))).toBe('--y--(x|)', { y: '1:empty', x: '0:a' });
    });
  });

  it('with settle, an error is an item and the others go on', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' ----a|');
      const s1 = cold(' -#', undefined, 'bad');
      expectObservable(mergeAsCompleted([s0, s1], { settle: true }).pipe(map(brief))).toBe('-y---(x|)', { y: '1:bad', x: '0:a' });
      expectSubscriptions(s0.subscriptions).toBe('^----!');
      expectSubscriptions(s1.subscriptions).toBe('^!');
    });
  });

  it('timeout without settle: cancels every active source and errors with TimeoutError', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' -a|');
      const s1 = cold(' ------b|');
      const s2 = cold(' -------c|');
      const out = mergeAsCompleted([s0, s1, s2], { timeout: 4, concurrency: 2 }).pipe(
        map((i) => i.index),
        catchError((e) => of(e instanceof TimeoutError ? 'T' : 'other')),
      );
      expectObservable(out).toBe('--x-(T|)', { x: 0, T: 'T' });
      expectSubscriptions(s0.subscriptions).toBe('^-!');
      expectSubscriptions(s1.subscriptions).toBe('^---!');
      expectSubscriptions(s2.subscriptions).toBe('--^-!');
    });
  });

  it('timeout with settle: each unfinished source, started or not, is rejected in index order', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' ------a|');
      const s1 = cold(' -b|');
      const s2 = cold(' ------c|');
      const s3 = cold(' d|');
      const out = mergeAsCompleted([s0, s1, s2, s3], { timeout: 5, concurrency: 2, settle: true }).pipe(map(brief));
      expectObservable(out).toBe('--w--(xyz|)', { w: '1:b', x: '0:timeout', y: '2:timeout', z: '3:timeout' });
      expectSubscriptions(s0.subscriptions).toBe('^----!');
      expectSubscriptions(s1.subscriptions).toBe('^-!');
      expectSubscriptions(s2.subscriptions).toBe('--^--!');
      expectSubscriptions(s3.subscriptions).toBe([]);
    });
  });

  it('takes an Observable of sources: index is arrival order, completes after the outer does', () => {
    marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const s0 = cold('    ---a|');
      const s1 = cold('      -b|');
      const outer = hot('  -x-y------|', { x: s0, y: s1 });
      expectObservable(mergeAsCompleted(outer)).toBe('-----(qp)-|', { q: { index: 0, value: 'a' }, p: { index: 1, value: 'b' } });
      expectSubscriptions(outer.subscriptions).toBe('^---------!');
      expectSubscriptions(s0.subscriptions).toBe('-^---!');
      expectSubscriptions(s1.subscriptions).toBe('---^-!');
    });
  });

  it('unsubscribing the output unsubscribes every source', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold(' ------a|');
      const s1 = cold(' -b|');
      const s2 = cold(' -----c|');
      expectObservable(mergeAsCompleted([s0, s1, s2], { concurrency: 2 }), '^---!').toBe('--x--', { x: { index: 1, value: 'b' } });
      expectSubscriptions(s0.subscriptions).toBe('^---!');
      expectSubscriptions(s1.subscriptions).toBe('^-!');
      expectSubscriptions(s2.subscriptions).toBe('--^-!');
    });
  });
});
