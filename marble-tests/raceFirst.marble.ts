import { describe, it, expect } from 'vitest';
import { EmptyError, catchError, of, finalize } from 'rxjs';
import { raceFirst } from '../src/index.js';
import { marbles } from './helpers.js';

describe('raceFirst (marbles)', () => {
  it('forwards the first source to emit and unsubscribes the others at that frame', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('  -----a--b|');
      const b = cold('  --x------y|');
      const c = cold('  ------z|');
      const expected = '--x------y|';
      expectObservable(raceFirst([a, b, c])).toBe(expected);
      expectSubscriptions(a.subscriptions).toBe('^-!');
      expectSubscriptions(b.subscriptions).toBe('^---------!');
      expectSubscriptions(c.subscriptions).toBe('^-!');
    });
  });

  it('mirrors the winner to its error', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('  -a-#');
      const b = cold('  ---b|');
      expectObservable(raceFirst([a, b])).toBe('-a-#');
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('^!');
    });
  });

  it('works with hot sources', () => {
    marbles(({ hot, expectObservable, expectSubscriptions }) => {
      const a = hot('  ---a--b--|');
      const b = hot('  ----c--d-|');
      const sub = '    ^---------';
      expectObservable(raceFirst([a, b]), sub).toBe('---a--b--|');
      expectSubscriptions(a.subscriptions).toBe('^--------!');
      expectSubscriptions(b.subscriptions).toBe('^--!');
    });
  });

  it('goes on racing when a source errors or completes empty before a winner', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('  -#');
      const b = cold('  --|');
      const c = cold('  ---c|');
      expectObservable(raceFirst([a, b, c])).toBe('---c|');
      expectSubscriptions(a.subscriptions).toBe('^!');
      expectSubscriptions(b.subscriptions).toBe('^-!');
      expectSubscriptions(c.subscriptions).toBe('^---!');
    });
  });

  it('errors with an AggregateError in input order when every source fails', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('  ---#', undefined, 'late');
      const b = cold('  -|');
      const c = cold('  --#', undefined, 'early');
      const out = raceFirst([a, b, c]).pipe(
        catchError((e: AggregateError) => of(e.errors.map((x) => (x instanceof EmptyError ? 'empty' : x)))),
      );
      expectObservable(out).toBe('---(x|)', { x: ['late', 'empty', 'early'] });
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('^!');
      expectSubscriptions(c.subscriptions).toBe('^-!');
    });
  });

  it('errors at subscription with no sources', () => {
    marbles(({ expectObservable }) => {
      const out = raceFirst([]).pipe(catchError((e: AggregateError) => of(`${e.name}:${e.errors.length}`)));
      expectObservable(out).toBe('(x|)', { x: 'AggregateError:0' });
    });
  });

  it('unsubscribes every source when the output is unsubscribed', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('  -----a|');
      const b = cold('  ------b|');
      expectObservable(raceFirst([a, b]), '^--!').toBe('----');
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('^--!');
    });
  });

  describe('stagger', () => {
    it('starts source k+1 stagger ms after source k and cancels the timers left when one wins', () => {
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('  -----a|');
        const b = cold('     -------b|');
        const c = cold('        --c|');
        expectObservable(raceFirst([a, b, c], { stagger: 3 })).toBe('-----a|');
        expectSubscriptions(a.subscriptions).toBe('^-----!');
        expectSubscriptions(b.subscriptions).toBe('---^-!');
        expectSubscriptions(c.subscriptions).toBe([]);
      });
    });

    it('starts the next source at once when the latest one fails', () => {
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('  -#');
        const b = cold('   --b|');
        const c = cold('      c|');
        expectObservable(raceFirst([a, b, c], { stagger: 3 })).toBe('---b|');
        expectSubscriptions(a.subscriptions).toBe('^!');
        expectSubscriptions(b.subscriptions).toBe('-^--!');
        expectSubscriptions(c.subscriptions).toBe([]);
      });
    });

    it('keeps the schedule when an earlier source fails after the next one started', () => {
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('  -----#');
        const b = cold('     ----------b|');
        const c = cold('        ---c|');
        expectObservable(raceFirst([a, b, c], { stagger: 3 })).toBe('---------c|');
        expectSubscriptions(a.subscriptions).toBe('^----!');
        expectSubscriptions(b.subscriptions).toBe('---^-----!');
        expectSubscriptions(c.subscriptions).toBe('------^---!');
      });
    });

    it('with stagger Infinity starts the next source only when the latest fails', () => {
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('  --|');
        const b = cold('    ---#');
        const c = cold('       -c|');
        expectObservable(raceFirst([a, b, c], { stagger: Infinity })).toBe('------c|');
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe('--^--!');
        expectSubscriptions(c.subscriptions).toBe('-----^-!');
      });
    });

    it('unsubscribing the output cancels the pending timer', () => {
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('  ------a|');
        const b = cold('  b|');
        expectObservable(raceFirst([a, b], { stagger: 4 }), '^-!').toBe('---');
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe([]);
      });
    });
  });

  it('tears a loser down before the winning value is forwarded', () => {
    const log: string[] = [];
    marbles(({ cold, flush }) => {
      const a = cold('---a|').pipe(finalize(() => log.push('a torn down')));
      const b = cold('-b|');
      raceFirst([a, b]).subscribe((v) => log.push(`got ${v}`));
      flush();
    });
    expect(log).toEqual(['a torn down', 'got b']);
  });
});
