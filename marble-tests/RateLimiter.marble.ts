// RateLimiter and rateLimitMap in virtual time: when each section's source is subscribed.
import { describe, it } from 'vitest';
import { concat, ignoreElements, merge, takeUntil, timer, type Observable } from 'rxjs';
import { RateLimiter, rateLimitMap } from '../src/index.js';
import { marbles } from './helpers.js';

/** `observable` subscribed at `frame`. */
const later = <T>(frame: number, observable: Observable<T>) => concat(timer(frame).pipe(ignoreElements()), observable);

describe('RateLimiter', () => {
  it('several windows at once (2 per 5 frames and 3 per 12): a section starts only when every window has room', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new RateLimiter({ windows: [{ limit: 2, interval: 5 }, { limit: 3, interval: 12 }] });
      const a = cold('a|');
      const b = cold('b|');
      const c = cold('c|');
      const d = cold('d|');
      // c waits for the short window (frame 5); d then for the long one (3 starts since frame 0: frame 12)
      expectObservable(merge(limiter.section(a), limiter.section(b), limiter.section(c), limiter.section(d))).toBe('(ab)-c------d|');
      expectSubscriptions(a.subscriptions).toBe('^!');
      expectSubscriptions(b.subscriptions).toBe('^!');
      expectSubscriptions(c.subscriptions).toBe('-----^!');
      expectSubscriptions(d.subscriptions).toBe('------------^!');
    });
  });

  it('the third section of a 2-per-5 limit starts when the first start leaves the window', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new RateLimiter({ limit: 2, interval: 5 });
      const a = cold('   a|');
      const b = cold('   b|');
      const c = cold('   c|');
      const asubs = '    ^!';
      const bsubs = '    ^!';
      const csubs = '    -----^!';
      const expected = '(ab)-c|';
      expectObservable(merge(limiter.section(a), limiter.section(b), limiter.section(c))).toBe(expected);
      expectSubscriptions(a.subscriptions).toBe(asubs);
      expectSubscriptions(b.subscriptions).toBe(bsubs);
      expectSubscriptions(c.subscriptions).toBe(csubs);
    });
  });

  it('a strict sliding window: two starts at frame 4 keep a third out until frame 9, across any window edge', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new RateLimiter({ limit: 2, interval: 5 });
      const a = cold('x|');
      const b = cold('y|');
      const c = cold('z|');
      // a fixed window [5, 10) would let c start at 5: a burst of 3 in [4, 9)
      expectObservable(merge(later(4, limiter.section(a)), later(4, limiter.section(b)), later(5, limiter.section(c)))).toBe('----(xy)-z|');
      expectSubscriptions(a.subscriptions).toBe('----^!');
      expectSubscriptions(b.subscriptions).toBe('----^!');
      expectSubscriptions(c.subscriptions).toBe('---------^!');
    });
  });

  it('strict FIFO with costs: a costly waiter blocks a cheap one behind it', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new RateLimiter({ limit: 3, interval: 4 });
      const first = cold('a|');
      const costly = cold('b|');
      const cheap = cold('c|');
      // first takes 2 of 3; costly (3) must wait for first to leave (frame 4); cheap (1) would fit
      // at once but waits behind costly, then for costly's start to leave (frame 8)
      expectObservable(merge(limiter.section(first, 2), limiter.section(costly, 3), limiter.section(cheap, 1))).toBe('a---b---c|');
      expectSubscriptions(first.subscriptions).toBe('^!');
      expectSubscriptions(costly.subscriptions).toBe('----^!');
      expectSubscriptions(cheap.subscriptions).toBe('--------^!');
    });
  });

  it('a waiter that unsubscribes takes nothing; a started section keeps its cost even when cancelled', () => {
    marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const limiter = new RateLimiter({ limit: 1, interval: 4 });
      const started = cold('-----s|'); // starts at 0, cancelled at 2: its start still counts until 4
      const waiting = cold('w|'); // waits, cancelled at 2: never subscribed
      const next = cold('n|');
      const stop = hot('--x');
      expectObservable(
        merge(limiter.section(started).pipe(takeUntil(stop)), limiter.section(waiting).pipe(takeUntil(stop)), later(3, limiter.section(next))),
      ).toBe('----n|');
      expectSubscriptions(started.subscriptions).toBe('^-!');
      expectSubscriptions(waiting.subscriptions).toBe([]);
      expectSubscriptions(next.subscriptions).toBe('----^!');
    });
  });
});

describe('rateLimitMap', () => {
  it('values start as the window allows; project is called at each inner’s turn', () => {
    marbles(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('abcd----|');
      const inner = cold('v|');
      const subs = '      ^-------!';
      expectObservable(source.pipe(rateLimitMap({ limit: 2, interval: 4 }, () => inner))).toBe('vv--vv--|');
      expectSubscriptions(source.subscriptions).toBe(subs);
      expectSubscriptions(inner.subscriptions).toBe(['^!', '-^!', '----^!', '-----^!']);
    });
  });
});
