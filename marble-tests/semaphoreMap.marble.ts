import { describe, it } from 'vitest';
import { mergeMap, type Observable } from 'rxjs';
import { Lock, Semaphore, lockedSection, semaphoreMap } from '../src/index.js';
import { marbles } from './helpers.js';

// The concurrency cases of a mergeMap suite, written afresh for semaphoreMap: every diagram below
// is asserted for semaphoreMap(n, p) and for mergeMap(p, n), values and subscription frames alike.
const both = <T, R>(n: number, project: (v: T) => Observable<R>) => [
  ['semaphoreMap', semaphoreMap<T, R>(n, project)],
  ['mergeMap', mergeMap<T, Observable<R>>(project, n)],
] as const;

describe('semaphoreMap (marbles) behaves as mergeMap with concurrency', () => {
  for (const variant of [0, 1]) {
    const label = variant === 0 ? 'semaphoreMap' : 'mergeMap';

    it(`${label}: many inners, concurrency 1, in order of arrival`, () => {
      marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const a = cold('   --a-a|');
        const b = cold('        --b|');
        const c = cold('           -c-c|');
        const e1 = hot('  -x-y-z------|', { x: a, y: b, z: c } as Record<string, Observable<string>>);
        const expected = '---a-a--b-c-c|';
        expectObservable(e1.pipe(both(1, (o: Observable<string>) => o)[variant]![1])).toBe(expected);
        expectSubscriptions(e1.subscriptions).toBe('^-----------!');
        expectSubscriptions(a.subscriptions).toBe('-^----!');
        expectSubscriptions(b.subscriptions).toBe('------^--!');
        expectSubscriptions(c.subscriptions).toBe('---------^---!');
      });
    });

    it(`${label}: concurrency 2, the third waits for the first slot`, () => {
      marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const inner = cold('---v|');
        const e1 = hot('    ab-c---|');
        const expected = '  ---vv--v|';
        expectObservable(e1.pipe(both(2, () => inner)[variant]![1])).toBe(expected);
        expectSubscriptions(e1.subscriptions).toBe('^------!');
        expectSubscriptions(inner.subscriptions).toBe(['^---!', '-^---!', '----^---!']);
      });
    });

    it(`${label}: an inner error errors the output and unsubscribes the others`, () => {
      marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const a = cold('  -----a|');
        const b = cold('   --#');
        const c = cold('    c|');
        const e1 = hot('  xyz------|', { x: a, y: b, z: c } as Record<string, Observable<string>>);
        expectObservable(e1.pipe(both(2, (o: Observable<string>) => o)[variant]![1])).toBe('---#');
        expectSubscriptions(e1.subscriptions).toBe('^--!');
        expectSubscriptions(a.subscriptions).toBe('^--!');
        expectSubscriptions(b.subscriptions).toBe('-^-!');
        expectSubscriptions(c.subscriptions).toBe([]);
      });
    });

    it(`${label}: an outer error errors the output and unsubscribes the inners`, () => {
      marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const a = cold('  -----a|');
        const e1 = hot('  x--#', { x: a } as Record<string, Observable<string>>);
        expectObservable(e1.pipe(both(2, (o: Observable<string>) => o)[variant]![1])).toBe('---#');
        expectSubscriptions(a.subscriptions).toBe('^--!');
      });
    });

    it(`${label}: unsubscribing the output cancels running and waiting inners`, () => {
      marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const a = cold('  ---a|');
        const b = cold('     --b|');
        const e1 = hot('  xy----|', { x: a, y: b } as Record<string, Observable<string>>);
        expectObservable(e1.pipe(both(1, (o: Observable<string>) => o)[variant]![1]), '^----!').toBe('---a-');
        expectSubscriptions(e1.subscriptions).toBe('^----!');
        expectSubscriptions(a.subscriptions).toBe('^---!');
        expectSubscriptions(b.subscriptions).toBe('----^!');
      });
    });

    it(`${label}: unsubscribing while one runs and one waits never starts the waiting one`, () => {
      marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const a = cold('  ---a|');
        const b = cold('  --b|');
        const e1 = hot('  xy----|', { x: a, y: b } as Record<string, Observable<string>>);
        expectObservable(e1.pipe(both(1, (o: Observable<string>) => o)[variant]![1]), '^-!').toBe('---');
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe([]);
      });
    });

    it(`${label}: completes only after the outer and every inner complete`, () => {
      marbles(({ cold, hot, expectObservable }) => {
        const a = cold('  -----a|');
        const e1 = hot('  x|', { x: a } as Record<string, Observable<string>>);
        expectObservable(e1.pipe(both(3, (o: Observable<string>) => o)[variant]![1])).toBe('-----a|');
      });
    });
  }

  it('a shared Semaphore limits two streams together', () => {
    marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const sem = new Semaphore(2);
      const a = cold('   ---a|');
      const b = cold('   ---b|');
      const c = cold('      --c|');
      const s1 = hot('  x-z---|', { x: a, z: c } as Record<string, Observable<string>>);
      const s2 = hot('  -y----|', { y: b } as Record<string, Observable<string>>);
      expectObservable(s1.pipe(semaphoreMap(sem, (o: Observable<string>) => o))).toBe('---a--c|');
      expectObservable(s2.pipe(semaphoreMap(sem, (o: Observable<string>) => o))).toBe('----b-|');
      expectSubscriptions(a.subscriptions).toBe('^---!');
      expectSubscriptions(b.subscriptions).toBe('-^---!');
      expectSubscriptions(c.subscriptions).toBe('----^--!');
    });
  });

  it('weights: a heavy waiter at the head blocks lighter ones behind it (strict FIFO)', () => {
    marbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const light1 = cold('--a|');
      const heavy = cold('    --H|');
      const light2 = cold('      --b|');
      const e1 = hot('   xHy-----|', { x: light1, H: heavy, y: light2 } as Record<string, Observable<string>>);
      const weights = new Map<Observable<string>, number>([[heavy, 2]]);
      const out = e1.pipe(semaphoreMap(2, (o: Observable<string>) => o, { weight: (o) => weights.get(o) ?? 1 }));
      expectObservable(out).toBe('--a--H--b|');
      expectSubscriptions(light1.subscriptions).toBe('^--!');
      expectSubscriptions(heavy.subscriptions).toBe('---^--!');
      // light2 would fit beside light1 at frame 2, but waits behind the heavy one
      expectSubscriptions(light2.subscriptions).toBe('------^--!');
    });
  });

  it('lockedSection(lock): the whole source is the section; a second stream waits for the first to end', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const lock = new Lock();
      const first = cold('  --a--|');
      const second = cold('     -b|');
      const third = cold('   x-----');
      expectObservable(first.pipe(lockedSection(lock))).toBe('--a--|');
      expectObservable(second.pipe(lockedSection(lock))).toBe('------b|');
      // a waiter unsubscribed before its turn never subscribes its source
      expectObservable(third.pipe(lockedSection(lock)), '^--!').toBe('---');
      expectSubscriptions(first.subscriptions).toBe('^----!');
      expectSubscriptions(second.subscriptions).toBe('-----^-!');
      expectSubscriptions(third.subscriptions).toBe([]);
    });
  });
});
