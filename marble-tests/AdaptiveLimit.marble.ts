// AdaptiveLimit's shared back-off in virtual time: when each section's source is subscribed while
// a pause holds every stream, and after it.
import { describe, it } from 'vitest';
import { concat, ignoreElements, timer, type Observable } from 'rxjs';
import { AdaptiveLimit } from '../src/index.js';
import { marbles } from './helpers.js';

/** `observable` subscribed at `frame`. */
const later = <T>(frame: number, observable: Observable<T>) => concat(timer(frame).pipe(ignoreElements()), observable);

describe('AdaptiveLimit', () => {
  it('pause(5): no stream is granted before it ends, though permits are free; then the waiters in FIFO order', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const limit = new AdaptiveLimit({ initial: 2 });
      limit.pause(5);
      const a = cold('--a|');
      const b = cold('--b|');
      const c = cold('-c|');
      expectObservable(limit.section(a)).toBe('-------a|');
      expectObservable(limit.section(b)).toBe('-------b|');
      expectObservable(later(1, limit.section(c))).toBe('---------c|');
      expectSubscriptions(a.subscriptions).toBe('-----^--!');
      expectSubscriptions(b.subscriptions).toBe('-----^--!');
      expectSubscriptions(c.subscriptions).toBe('--------^-!');
    });
  });

  it('a 429 with Retry-After (5 ms) pauses the other streams from the moment it arrives; its error reaches its own subscriber unchanged', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const limit = new AdaptiveLimit({ initial: 4 });
      const tooMany = Object.assign(new Error('Too Many Requests'), { status: 429, headers: { 'retry-after': '0.005' } });
      const rejected = cold('-#', undefined, tooMany);
      const a = cold('a|');
      const b = cold('b|');
      expectObservable(limit.section(rejected)).toBe('-#', undefined, tooMany);
      // a asks at frame 2 (after the 429 at 1): it waits until frame 6; b asks during the pause too
      expectObservable(later(2, limit.section(a))).toBe('------a|');
      expectObservable(later(4, limit.section(b))).toBe('------b|');
      expectSubscriptions(rejected.subscriptions).toBe('^!');
      expectSubscriptions(a.subscriptions).toBe('------^!');
      expectSubscriptions(b.subscriptions).toBe('------^!');
    });
  });
});
