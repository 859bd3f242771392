// Semaphore.resize in virtual time, with the subscription frames of every section's source.
import { describe, it } from 'vitest';
import { merge, timer, ignoreElements, concat } from 'rxjs';
import { Semaphore } from '../src/index.js';
import { at, marbles } from './helpers.js';


describe('Semaphore.resize', () => {
  it('growing serves the waiter at once, at the frame of the resize', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const sem = new Semaphore(1);
      const a = cold('   ----a|');
      const b = cold('    -b|');
      const asubs = '    ^----!';
      const bsubs = '    --^-!';
      const expected = '---ba|';
      expectObservable(merge(sem.section(a), sem.section(b), at(2, () => sem.resize(2)))).toBe(expected);
      expectSubscriptions(a.subscriptions).toBe(asubs);
      expectSubscriptions(b.subscriptions).toBe(bsubs);
    });
  });

  it('shrinking interrupts nothing: a new section waits until the held weight is below the new capacity', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const sem = new Semaphore(2);
      const a = cold('   ---a|');
      const b = cold('   -----b|');
      const c = cold('   c|');
      const asubs = '    ^---!';
      const bsubs = '    ^-----!';
      const csubs = '    ------^!';
      const expected = '---a-bc|';
      const later = timer(2).pipe(ignoreElements(), (o) => concat(o, sem.section(c)));
      expectObservable(merge(sem.section(a), sem.section(b), at(1, () => sem.resize(1)), later)).toBe(expected);
      expectSubscriptions(a.subscriptions).toBe(asubs);
      expectSubscriptions(b.subscriptions).toBe(bsubs);
      expectSubscriptions(c.subscriptions).toBe(csubs);
    });
  });

  it('a waiter heavier than the new capacity errors at the frame of the resize and never subscribes', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const sem = new Semaphore(2);
      const a = cold('   ----a|');
      const heavy = cold('h|');
      const asubs = '    ^-!';
      const expected = '--#';
      expectObservable(merge(sem.section(a, 2), sem.section(heavy, 2), at(2, () => sem.resize(1)))).toBe(
        expected,
        undefined,
        new RangeError('Semaphore.resize: a waiting section needs 2 permits, more than the new capacity 1'),
      );
      expectSubscriptions(a.subscriptions).toBe(asubs); // the error ends the merge, which unsubscribes a
      expectSubscriptions(heavy.subscriptions).toBe([]);
    });
  });
});
