import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { defer, finalize, type Subscription } from 'rxjs';
import { Lock, Semaphore, lockedSection } from '../src/index.js';
import { RUNS, newTestScheduler } from './helpers.js';

interface Request {
  readonly arrive: number;
  readonly duration: number;
  readonly weight: number;
  readonly ending: 'complete' | 'error' | 'never';
  readonly cancelAt: number | undefined;
}

const request = (permits: number) =>
  fc.record({
    arrive: fc.integer({ min: 0, max: 12 }),
    duration: fc.integer({ min: 0, max: 6 }),
    weight: fc.integer({ min: 1, max: permits }),
    ending: fc.constantFrom('complete', 'error', 'never'),
    cancelAt: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  }) as fc.Arbitrary<Request>;

interface Resize {
  readonly at: number;
  readonly permits: number;
}

const schedule = fc.integer({ min: 1, max: 4 }).chain((permits) =>
  fc.record({
    permits: fc.constant(permits),
    lock: fc.boolean(),
    requests: fc.array(request(permits), { maxLength: 12 }),
    // Semaphore.resize at random frames (a Lock cannot be resized)
    resizes: fc.array(fc.record({ at: fc.integer({ min: 0, max: 20 }), permits: fc.integer({ min: 1, max: 4 }) }), { maxLength: 3 }),
  }),
);

/** Plays the requests against one semaphore under virtual time, checking the invariants as it goes. */
function play(permits: number, useLock: boolean, requests: readonly Request[], resizes: readonly Resize[] = []) {
  const scheduler = newTestScheduler();
  const sem = useLock ? new Lock() : new Semaphore(permits);
  let capacity = useLock ? 1 : permits;
  let inUse = 0;
  let mostInUse = 0;
  const requestOrder: number[] = [];
  const entered: number[] = [];
  const open: (Subscription | undefined)[] = [];
  const cancelled = new Set<number>();
  let shown = -1;

  scheduler.run(({ cold, flush }) => {
    // a Lock has no available$ (it is not a Semaphore): its `available` stands in
    if (sem instanceof Semaphore) sem.available$.subscribe((n) => (shown = n));
    if (!useLock) {
      for (const r of resizes) {
        scheduler.schedule(() => {
          capacity = r.permits;
          sem.resize(r.permits);
        }, r.at);
      }
    }
    requests.forEach((r, i) => {
      const weight = useLock ? 1 : r.weight;
      const body = cold(`${'-'.repeat(r.duration)}${r.ending === 'complete' ? 'x|' : r.ending === 'error' ? '#' : ''}`);
      const section = sem.section(
        defer(() => {
          expect(cancelled.has(i)).toBe(false); // a cancelled waiter never subscribes its source
          entered.push(i);
          inUse += weight;
          mostInUse = Math.max(mostInUse, inUse);
          // at entry, within the capacity in force now (a shrink interrupts no running section)
          expect(inUse).toBeLessThanOrEqual(capacity);
          return body.pipe(finalize(() => (inUse -= weight)));
        }),
        weight,
      );
      scheduler.schedule(() => {
        requestOrder.push(i);
        open[i] = section.subscribe({ error: () => undefined });
      }, r.arrive);
      if (r.cancelAt !== undefined) {
        scheduler.schedule(() => {
          cancelled.add(i);
          open[i]?.unsubscribe();
        }, Math.max(r.cancelAt, r.arrive));
      }
    });
    flush();
    if (sem instanceof Lock) shown = sem.available;
    expect(shown).toBe(sem.available);
    // end every section still open: then every permit must be back
    for (const s of open) s?.unsubscribe();
  });

  // waiters are served in FIFO order: the order of entry is the order of request
  const position = new Map(requestOrder.map((i, k) => [i, k]));
  const enteredPositions = entered.map((i) => position.get(i)!);
  expect(enteredPositions).toEqual([...enteredPositions].sort((a, b) => a - b));
  expect(inUse).toBe(0);
  expect(sem.available).toBe(capacity);
  expect(sem.waiting).toBe(0);
  if (sem instanceof Semaphore) expect(shown).toBe(capacity);
  else expect(sem.locked).toBe(false);
  return mostInUse;
}

describe('Semaphore and Lock invariants over random schedules', () => {
  it('permits in use never exceed the capacity, resized at random (a Lock never has two sections inside), every permit comes back, FIFO, cancelled waiters never start', () => {
    fc.assert(
      fc.property(schedule, ({ permits, lock, requests, resizes }) => {
        play(permits, lock, requests, resizes);
      }),
      { numRuns: RUNS },
    );
  });

  it('the schedules do reach the capacity (the property above is not vacuous)', () => {
    const most = play(2, false, [
      { arrive: 0, duration: 3, weight: 1, ending: 'complete', cancelAt: undefined },
      { arrive: 1, duration: 3, weight: 1, ending: 'complete', cancelAt: undefined },
      { arrive: 1, duration: 3, weight: 2, ending: 'complete', cancelAt: undefined },
    ]);
    expect(most).toBe(2);
  });

  it('lockedSection(lock, project): sections of one stream run one at a time, in value order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3 }), duration: fc.integer({ min: 0, max: 4 }) }), { maxLength: 8 }),
        fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined }),
        (values, unsubscribeAt) => {
          const scheduler = newTestScheduler();
          const lock = new Lock();
          const order: number[] = [];
          let inside = 0;
          scheduler.run(({ cold, hot, flush }) => {
            // value i is emitted `gap` frames after value i-1, as letter i
            const lookup: Record<string, number> = {};
            const marble = values.map((v, i) => {
              const letter = String.fromCharCode(97 + i);
              lookup[letter] = i;
              return '-'.repeat(v.gap) + letter;
            }).join('');
            const sorted = values;
            const source = hot(`${marble}|`, lookup);
            const sub = source
              .pipe(
                lockedSection(lock, (i: number) =>
                  defer(() => {
                    order.push(i);
                    inside++;
                    expect(inside).toBe(1);
                    return cold(`${'-'.repeat(sorted[i]!.duration)}|`).pipe(finalize(() => inside--));
                  }),
                ),
              )
              .subscribe();
            if (unsubscribeAt !== undefined) scheduler.schedule(() => sub.unsubscribe(), unsubscribeAt);
            flush();
            sub.unsubscribe();
          });
          expect(order).toEqual([...order].sort((a, b) => a - b));
          expect(lock.locked).toBe(false);
          expect(lock.waiting).toBe(0);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
