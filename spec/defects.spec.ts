// Regression tests for the defects that composition exposed (each failed before its fix).
import { describe, it, expect } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { NEVER, Observable, Subject, Subscriber, TimeoutError, catchError, defer, forkJoin, from, of, take, takeUntil, throwError } from 'rxjs';
import { CleanupTracker, Lock, RateLimiter, Semaphore, finalizeWith, gatherSettled, mergeAsCompleted, raceFirst, semaphoreMap, timeoutWith } from '../src/index.js';
import { newTestScheduler } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAYS_30 = 30 * 86_400_000;

/** A synchronous Observable of sources that counts how many it was asked for; endless unless `limit`. */
function pulledSources(limit = Infinity) {
  const counter = { pulled: 0 };
  const sources = new Observable<Observable<number>>((subscriber) => {
    for (let i = 0; i < limit && !subscriber.closed; i++) {
      counter.pulled++;
      subscriber.next(of(i));
    }
    subscriber.complete();
  });
  return { counter, sources };
}

describe('an Observable of sources is stopped as soon as the output is', () => {
  it('mergeAsCompleted pulls one source of a 1 000 000-item synchronous outer under take(1)', () => {
    const { counter, sources } = pulledSources(1_000_000);
    const out: unknown[] = [];
    mergeAsCompleted(sources).pipe(take(1)).subscribe((v) => out.push(v));
    expect(out).toEqual([{ index: 0, value: 0 }]);
    expect(counter.pulled).toBe(1);
  });

  it('an endless synchronous outer ends under take(1) (mergeAsCompleted and settle) and on fail-fast', () => {
    const a = pulledSources();
    mergeAsCompleted(a.sources, { settle: true }).pipe(take(1)).subscribe();
    expect(a.counter.pulled).toBe(1);
    // fail-fast: the first source fails, the endless outer is not pulled further
    let pulled = 0;
    const failing = new Observable<Observable<number>>((subscriber) => {
      while (!subscriber.closed) {
        pulled++;
        subscriber.next(pulled === 1 ? throwError(() => new Error('first fails')) : of(pulled));
      }
    });
    const errors: unknown[] = [];
    mergeAsCompleted(failing).subscribe({ error: (e: unknown) => errors.push(e) });
    expect((errors[0] as Error).message).toBe('first fails');
    expect(pulled).toBe(1);
  });

  it('gatherSettled stops an endless generator of sources when takeUntil downstream fires from a source', () => {
    let pulled = 0;
    const stop = new Subject<void>();
    function* endless() {
      for (;;) {
        pulled++;
        // the third source, once subscribed, makes takeUntil end the output
        yield pulled === 3 ? defer(() => (stop.next(), of(3))) : of(pulled);
      }
    }
    const out: unknown[] = [];
    gatherSettled(from(endless())).pipe(takeUntil(stop)).subscribe({ next: (v) => out.push(v), complete: () => out.push('done') });
    expect(pulled).toBe(3);
    expect(out).toEqual(['done']);
  });
});

describe('delays above 2³¹−1 ms are waited for, not fired at once', () => {
  it('timeoutWith(a Date 30 days ahead), raceFirst stagger, mergeAsCompleted timeout, cleanups.settled: nothing fires within 100 ms', async () => {
    const events: string[] = [];
    const subs = [
      NEVER.pipe(timeoutWith(new Date(Date.now() + DAYS_30))).subscribe({ error: () => events.push('timeoutWith(Date)') }),
      NEVER.pipe(timeoutWith(DAYS_30)).subscribe({ error: () => events.push('timeoutWith(ms)') }),
      raceFirst([NEVER, defer(() => (events.push('stagger'), NEVER))], { stagger: DAYS_30 }).subscribe(),
      mergeAsCompleted([NEVER], { timeout: DAYS_30 }).subscribe({ error: () => events.push('mergeAsCompleted') }),
      gatherSettled([NEVER], { timeout: DAYS_30 }).subscribe(() => events.push('gatherSettled')),
    ];
    const tracker = new CleanupTracker();
    let release = () => undefined as void;
    NEVER.pipe(finalizeWith(() => new Promise<void>((r) => (release = r)), { tracker })).subscribe().unsubscribe();
    tracker.settled(DAYS_30).catch(() => events.push('settled'));
    await sleep(100);
    expect(events).toEqual([]);
    subs.forEach((s) => s.unsubscribe());
    release();
  });

  it('in virtual time the deadline of a 30-day timeoutWith falls on its frame, chained', () => {
    newTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-');
      // 30 days = 2 592 000 000 ms, above 2³¹−1: the deadline is frame 2 592 000 000 exactly
      const out = source.pipe(timeoutWith(DAYS_30), catchError((e) => of(e instanceof TimeoutError ? 'T' : 'other')));
      expectObservable(out).toBe('-a 2591999998ms (T|)');
      expectSubscriptions(source.subscriptions).toBe('^ 2591999999ms !');
    });
  });
});

describe('sections re-check after every call into user code', () => {
  it('a section subscribed by an already-closed subscriber gives its permit back to available$ and the waiters', () => {
    const sem = new Semaphore(1);
    const seen: number[] = [];
    sem.available$.subscribe((n) => seen.push(n));
    const closed = new Subscriber<number>();
    closed.unsubscribe();
    let subscribed = 0;
    sem.section(defer(() => (subscribed++, NEVER))).subscribe(closed);
    expect(subscribed).toBe(0);
    expect(sem.available).toBe(1);
    expect(seen[seen.length - 1]).toBe(1);
  });

  it('a project that unsubscribes the output never subscribes its inner, and the permit goes to the next waiter', () => {
    const sem = new Semaphore(1);
    const input = new Subject<number>();
    let innerSubscribed = 0;
    const sub = input
      .pipe(
        semaphoreMap(sem, () => {
          sub.unsubscribe();
          return defer(() => (innerSubscribed++, NEVER));
        }),
      )
      .subscribe();
    input.next(1);
    expect(innerSubscribed).toBe(0);
    expect(sem.available).toBe(1);
    const later: number[] = [];
    sem.section(of(7)).subscribe((v) => later.push(v));
    expect(later).toEqual([7]);
  });

  it('a section lets go of its value once project has run, as mergeMap does', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const input = new Subject<{ payload: number[] }>();
    const sub = input.pipe(semaphoreMap(1, () => NEVER)).subscribe();
    let value: { payload: number[] } | undefined = { payload: new Array(1000).fill(1) };
    const ref = new WeakRef(value);
    input.next(value);
    value = undefined;
    await sleep(0);
    gc();
    expect(ref.deref()).toBeUndefined();
    sub.unsubscribe();
  });
});

describe('raceFirst picks one winner', () => {
  it('a loser made to emit by another loser’s teardown is not forwarded, before or after the winner’s value', () => {
    const a = new Subject<string>();
    const c = new Subject<string>();
    const b = new Observable<string>(() => () => c.next('c, from b’s teardown'));
    const out: string[] = [];
    raceFirst([a, b, c]).subscribe((v) => out.push(v));
    a.next('a');
    a.next('a2');
    expect(out).toEqual(['a', 'a2']);
    expect(c.observed).toBe(false);
  });
});

describe('a section subscribed by an already-closed subscriber never queues (0.3, found from outside)', () => {
  it.each([
    ['Semaphore(1)', () => new Semaphore(1)],
    ['Lock', () => new Lock()],
    ['RateLimiter(1 per hour)', () => new RateLimiter({ limit: 1, interval: 3_600_000 })],
  ])('%s: forkJoin([throwError, section]) while the permit is held: nothing waits, and no grant goes to nobody', (_name, make) => {
    const limit = make();
    const hold = new Subject<number>();
    const holder: unknown[] = [];
    limit.section(hold).subscribe({ next: (v) => holder.push(v), complete: () => holder.push('done') });
    let ran = 0;
    const errors: unknown[] = [];
    // forkJoin subscribes the section with a subscriber that the first source's error closed already
    forkJoin([throwError(() => new Error('first fails')), limit.section(defer(() => (ran++, of(1))))]).subscribe({ error: (e: unknown) => errors.push(e) });
    expect(errors).toHaveLength(1);
    expect(limit.waiting).toBe(0);
    hold.next(1);
    hold.complete();
    expect(holder).toEqual([1, 'done']);
    expect(ran).toBe(0);
    expect(limit.waiting).toBe(0);
    if (limit instanceof Semaphore) expect(limit.available).toBe(1);
    if (limit instanceof Lock) expect(limit.locked).toBe(false);
  });
});
