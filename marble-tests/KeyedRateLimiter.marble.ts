// KeyedRateLimiter in virtual time: each key's own window, and the keys taking turns when the
// global window binds — with the subscription frames of every section's source.
import { describe, it } from 'vitest';
import { merge } from 'rxjs';
import { KeyedRateLimiter } from '../src/index.js';
import { marbles } from './helpers.js';

describe('KeyedRateLimiter', () => {
  it('each key keeps its own window (1 per 4 frames): a second section of a key waits, another key does not', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new KeyedRateLimiter<string>({ perKey: { limit: 1, interval: 4 }, global: { limit: 2, interval: 4 } });
      const a1 = cold('(a|)');
      const a2 = cold('(c|)');
      const b1 = cold('(b|)');
      const b2 = cold('(d|)');
      expectObservable(merge(limiter.section('a', a1), limiter.section('a', a2), limiter.section('b', b1), limiter.section('b', b2))).toBe('(ab)(cd|)');
      expectSubscriptions(a1.subscriptions).toBe('(^!)');
      expectSubscriptions(b1.subscriptions).toBe('(^!)');
      expectSubscriptions(a2.subscriptions).toBe('----(^!)');
      expectSubscriptions(b2.subscriptions).toBe('----(^!)');
    });
  });

  it('when the global window binds (2 per 4 frames), the keys take turns instead of the oldest first', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new KeyedRateLimiter<string>({ perKey: { limit: 10, interval: 4 }, global: { limit: 2, interval: 4 } });
      const [a1, a2, a3, a4] = ['(a|)', '(b|)', '(c|)', '(d|)'].map((m) => cold(m));
      const [x1, x2] = ['(x|)', '(y|)'].map((m) => cold(m));
      const sections = [a1, a2, a3, a4].map((s) => limiter.section('a', s!));
      // with one FIFO window x1 would wait for a3 and a4
      expectObservable(merge(...sections, limiter.section('x', x1!), limiter.section('x', x2!))).toBe('(ab)(cx)(dy|)');
      expectSubscriptions(a3!.subscriptions).toBe('----(^!)');
      expectSubscriptions(x1!.subscriptions).toBe('----(^!)');
      expectSubscriptions(a4!.subscriptions).toBe('--------(^!)');
      expectSubscriptions(x2!.subscriptions).toBe('--------(^!)');
    });
  });
});
