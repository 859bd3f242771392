import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mergeMap, type Observable } from 'rxjs';
import { Semaphore, semaphoreMap } from '../src/index.js';
import { fromMarble, marbleSource } from '../src/testing/marbles.js';
import { RUNS, newTestScheduler } from './helpers.js';

type Log = { frame: number; kind: string; value?: unknown }[];

describe('semaphoreMap(n, p) against mergeMap(p, n)', () => {
  it('gives the same notifications and the same subscription frames on random diagrams', () => {
    fc.assert(
      fc.property(
        marbleSource({ maxFrames: 8, kinds: ['cold', 'hot'] }),
        fc.array(marbleSource({ maxFrames: 5 }), { minLength: 1, maxLength: 4 }),
        fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(Infinity)),
        fc.option(fc.integer({ min: 0, max: 16 }), { nil: undefined }),
        (outer, inners, n, unsubscribeAt) => {
          const run = (operator: 'semaphoreMap' | 'mergeMap') => {
            const scheduler = newTestScheduler();
            const log: Log = [];
            let subscriptions: unknown;
            scheduler.run(({ flush, cold, hot }) => {
              const outer$ = fromMarble({ cold, hot }, outer);
              const inner$ = inners.map((m) => fromMarble({ cold, hot }, m));
              const project = (_: string, i: number): Observable<string> => inner$[i % inner$.length]!;
              const out = outer$.pipe(operator === 'semaphoreMap' ? semaphoreMap(n, project) : mergeMap(project, n));
              const sub = out.subscribe({
                next: (value) => log.push({ frame: scheduler.now(), kind: 'N', value }),
                error: (value) => log.push({ frame: scheduler.now(), kind: 'E', value }),
                complete: () => log.push({ frame: scheduler.now(), kind: 'C' }),
              });
              if (unsubscribeAt !== undefined) scheduler.schedule(() => sub.unsubscribe(), unsubscribeAt);
              flush();
              subscriptions = [outer$.subscriptions, inner$.map((o) => o.subscriptions)];
            });
            return { log, subscriptions };
          };
          expect(run('semaphoreMap')).toEqual(run('mergeMap'));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a shared Semaphore limits several streams together, and every permit comes back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.array(marbleSource({ maxFrames: 5, endings: ['complete', 'error'] }), { maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        (permits, streams) => {
          const scheduler = newTestScheduler();
          const sem = new Semaphore(permits);
          let most = 0;
          scheduler.run(({ flush, cold, hot }) => {
            const all = streams.map((inners) => inners.map((m) => fromMarble({ cold, hot }, m)));
            for (const inner$ of all) {
              const letters = inner$.map((_, i) => String.fromCharCode(97 + i)).join('');
              cold(`${letters}|`)
                .pipe(semaphoreMap(sem, (_: string, i: number) => inner$[i]!))
                .subscribe({ error: () => undefined });
            }
            scheduler.schedule(function check(this: { schedule(s: unknown, d: number): void }) {
              most = Math.max(most, permits - sem.available);
              if (scheduler.now() < 30) this.schedule(undefined, 1);
            });
            flush();
            const spans = all.flat().flatMap((o) => o.subscriptions);
            for (let f = 0; f < 30; f++) {
              const open = spans.filter((s) => s.subscribedFrame <= f && f < s.unsubscribedFrame).length;
              expect(open).toBeLessThanOrEqual(permits);
            }
          });
          expect(most).toBeLessThanOrEqual(permits);
          expect(sem.available).toBe(permits);
          expect(sem.waiting).toBe(0);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
