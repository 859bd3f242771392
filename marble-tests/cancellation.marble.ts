import { describe, it, expect } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { finalizeWith, onCancel, takeUntilAborted, type FinalizeReason } from '../src/index.js';
import { marbles } from './helpers.js';

describe('cancellation operators (marbles)', () => {
  it('finalizeWith: reason and frame on each path', () => {
    const seen: string[] = [];
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const log = (name: string) => finalizeWith<string>((reason: FinalizeReason) => void seen.push(`${name}:${reason}`));
      const a = cold('--a--|');
      const b = cold('--a--#');
      const c = cold('--a-----');
      expectObservable(a.pipe(log('a'))).toBe('--a--|');
      expectObservable(b.pipe(log('b'))).toBe('--a--#');
      expectObservable(c.pipe(log('c')), '^---!').toBe('--a--');
      expectSubscriptions(a.subscriptions).toBe('^----!');
      expectSubscriptions(b.subscriptions).toBe('^----!');
      expectSubscriptions(c.subscriptions).toBe('^---!');
    });
    expect(seen.sort()).toEqual(['a:complete', 'b:error', 'c:unsubscribe']);
  });

  it('onCancel: only the stream unsubscribed before its end calls back, at that frame', () => {
    const frames: number[] = [];
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const done = cold('-a|');
      const cancelled = cold('-a----');
      // in TestScheduler.run, asyncScheduler.now() is the virtual frame
      const record = onCancel<string>(() => void frames.push(asyncScheduler.now()));
      expectObservable(done.pipe(record)).toBe('-a|');
      expectObservable(cancelled.pipe(record), '^--!').toBe('-a-');
      expectSubscriptions(cancelled.subscriptions).toBe('^--!');
    });
    expect(frames).toEqual([3]);
  });

  it('takeUntilAborted: the abort unsubscribes the source and completes at that frame', () => {
    marbles(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const controller = new AbortController();
      const source = cold('-a-b-c-d-|');
      const out = source.pipe(takeUntilAborted(controller.signal));
      expectObservable(out).toBe('-a-b-|');
      expectSubscriptions(source.subscriptions).toBe('^----!');
      // abort at frame 5 from inside virtual time
      cold('-----x').subscribe(() => controller.abort());
      flush();
    });
  });
});
