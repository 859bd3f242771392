import { describe, it, expect } from 'vitest';
import { Observable, Subject, defer, of, range, mergeMap, lastValueFrom, timer, map, take, toArray } from 'rxjs';
import { Lock, Semaphore, lockedSection, semaphoreMap } from '../src/index.js';

const thrown = (build: () => unknown) => {
  try {
    build();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
};

describe('Semaphore', () => {
  it.each([
    [0, RangeError],
    [-1, RangeError],
    [1.5, RangeError],
    [NaN, RangeError],
    [Infinity, RangeError],
    ['3', TypeError],
    [undefined, TypeError],
  ])('new Semaphore(%s) throws %o naming the parameter', (permits, ErrorClass) => {
    const error = thrown(() => new Semaphore(permits as number));
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.message).toMatch(/^Semaphore: permits must be an integer from 1 up, got /);
  });

  it.each([0, 4, 1.5, NaN])('section weight %s on a Semaphore(3) is a RangeError', (weight) => {
    const error = thrown(() => new Semaphore(3).section(of(1), weight));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/^Semaphore\.section: weight must be an integer from 1 to 3, got /);
  });

  it('a section of something that is not an input is a TypeError', () => {
    expect(thrown(() => new Lock().section(5 as never)).message).toMatch(/^Lock\.section: source must be an ObservableInput/);
  });

  it('state: permits, available, waiting and available$', () => {
    const sem = new Semaphore(2);
    const seen: number[] = [];
    sem.available$.subscribe((n) => seen.push(n));
    const a = new Subject<void>();
    const subs = [sem.section(a), sem.section(a), sem.section(a, 2)].map((s) => s.subscribe());
    expect([sem.permits, sem.available, sem.waiting]).toEqual([2, 0, 1]);
    subs[0]!.unsubscribe();
    expect([sem.available, sem.waiting]).toEqual([1, 1]); // the heavy waiter needs 2
    subs[2]!.unsubscribe();
    expect([sem.available, sem.waiting]).toEqual([1, 0]);
    subs[1]!.unsubscribe();
    expect(sem.available).toBe(2);
    expect(seen).toEqual([2, 1, 0, 1, 2]);
  });

  it('a waiter that leaves the head unblocks lighter ones behind it', () => {
    const sem = new Semaphore(2);
    const started: string[] = [];
    const body = (name: string) => new Observable<never>(() => void started.push(name));
    sem.section(body('light1')).subscribe();
    const heavy = sem.section(body('heavy'), 2).subscribe();
    sem.section(body('light2')).subscribe();
    expect(started).toEqual(['light1']);
    heavy.unsubscribe();
    expect(started).toEqual(['light1', 'light2']);
  });

  it('permits come back after the source’s own teardown, exactly once', () => {
    const sem = new Semaphore(1);
    const log: string[] = [];
    const source = new Observable<number>((s) => {
      s.next(1);
      return () => log.push(`teardown, available ${sem.available}`);
    });
    const sub = sem.section(source).subscribe();
    sub.unsubscribe();
    sub.unsubscribe();
    expect(log).toEqual(['teardown, available 0']);
    expect(sem.available).toBe(1);
    const fail = new Subject<void>();
    const failing = new Observable<number>((s) => {
      fail.subscribe(() => s.error('x'));
      return () => log.push(`error teardown, available ${sem.available}`);
    });
    sem.section(failing).subscribe({ error: () => log.push(`error seen, available ${sem.available}`) });
    fail.next();
    expect(log.slice(1)).toEqual(['error teardown, available 0', 'error seen, available 1']);
  });

  it('completion is forwarded with the permit already back', () => {
    const sem = new Semaphore(1);
    let atComplete = -1;
    sem.section(of(1)).subscribe({ complete: () => (atComplete = sem.available) });
    expect(atComplete).toBe(1);
  });

  it('100 000 queued sections that complete synchronously run to the end without growing the stack', () => {
    const sem = new Semaphore(1);
    const gate = new Subject<void>();
    let done = 0;
    sem.section(gate).subscribe();
    for (let i = 0; i < 100_000; i++) sem.section(of(i)).subscribe({ complete: () => done++ });
    expect(sem.waiting).toBe(100_000);
    gate.complete();
    expect(done).toBe(100_000);
    expect([sem.available, sem.waiting]).toEqual([1, 0]);
  });

  it('100 000 cancelled waiters leave nothing queued', () => {
    const sem = new Semaphore(1);
    const hold = sem.section(new Subject()).subscribe();
    const subs = Array.from({ length: 100_000 }, () => sem.section(of(1)).subscribe());
    for (let i = subs.length - 1; i >= 0; i -= 2) subs[i]!.unsubscribe();
    for (let i = 0; i < subs.length; i += 2) subs[i]!.unsubscribe();
    expect(sem.waiting).toBe(0);
    hold.unsubscribe();
    expect(sem.available).toBe(1);
  });
});

describe('Lock', () => {
  it('is a one-permit semaphore with `locked`', () => {
    const lock = new Lock();
    expect(lock.permits).toBe(1);
    const sub = lock.section(new Subject()).subscribe();
    expect(lock.locked).toBe(true);
    sub.unsubscribe();
    expect(lock.locked).toBe(false);
  });

  it('is its own class, not a Semaphore: locked, available, waiting, permits, a factory section with a lease; no available$; resize throws', () => {
    const lock = new Lock();
    expect(lock).not.toBeInstanceOf(Semaphore);
    expect('available$' in lock).toBe(false);
    const tokens: number[] = [];
    const hold = new Subject<void>();
    const first = lock.section((lease) => (tokens.push(lease.token), hold)).subscribe();
    const second = lock.section((lease) => (tokens.push(lease.token), of(1))).subscribe();
    expect([lock.locked, lock.available, lock.waiting, tokens]).toEqual([true, 0, 1, [1]]);
    hold.complete();
    expect([lock.locked, lock.available, lock.waiting, tokens]).toEqual([false, 1, 0, [1, 2]]);
    expect(() => lock.section(of(1), 2)).toThrow(/^Lock\.section: weight must be an integer from 1 to 1, got 2/);
    expect(() => lock.resize(1)).toThrow(TypeError);
    first.unsubscribe();
    second.unsubscribe();
  });

  it('is not re-entrant: a section that waits for its own lock waits forever', () => {
    const lock = new Lock();
    let innerRan = false;
    const sub = lock.section(defer(() => lock.section(defer(() => ((innerRan = true), of(1)))))).subscribe();
    expect(innerRan).toBe(false);
    expect([lock.locked, lock.waiting]).toEqual([true, 1]);
    sub.unsubscribe();
    expect([lock.locked, lock.waiting, innerRan]).toEqual([false, 0, false]);
  });

  it('the shared counter ends exact with the lock', async () => {
    const lock = new Lock();
    let counter = 0;
    const increment = defer(() => {
      const read = counter;
      return timer(0).pipe(map(() => (counter = read + 1)));
    });
    await lastValueFrom(range(0, 50).pipe(mergeMap(() => lock.section(increment)), toArray()));
    expect(counter).toBe(50);
  });
});

describe('semaphoreMap and lockedSection arguments', () => {
  it.each([
    [() => semaphoreMap(0, () => of(1)), RangeError, /^semaphoreMap: concurrency must be a positive integer or Infinity, got 0$/],
    [() => semaphoreMap(-1, () => of(1)), RangeError, /concurrency .*got -1/],
    [() => semaphoreMap(1.5, () => of(1)), RangeError, /concurrency .*got 1\.5/],
    [() => semaphoreMap(NaN, () => of(1)), RangeError, /concurrency .*got NaN/],
    [() => semaphoreMap('3' as never, () => of(1)), TypeError, /^semaphoreMap: semaphore must be a PermitSource/],
    [() => semaphoreMap(2, 'p' as never), TypeError, /^semaphoreMap: project must be a function/],
    [() => semaphoreMap(2, () => of(1), { weight: 3 }), RangeError, /^semaphoreMap: options\.weight must be an integer from 1 to 2, got 3/],
    [() => semaphoreMap(2, () => of(1), { weight: 0 }), RangeError, /options\.weight .*got 0/],
    [() => lockedSection({} as never), TypeError, /^lockedSection: lock must be a Lock/],
    [() => lockedSection(new Lock(), 7 as never), TypeError, /^lockedSection: project must be a function/],
  ])('%#: throws where the operator is built', (build, ErrorClass, message) => {
    const error = thrown(build);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.message).toMatch(message);
  });

  it('a weight function returning a bad weight errors the output', () => {
    let error: unknown;
    of(1).pipe(semaphoreMap(2, () => of(1), { weight: () => 5 })).subscribe({ error: (e) => (error = e) });
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^semaphoreMap: options\.weight\(value\) must be an integer from 1 to 2, got 5/);
  });

  it('a project that throws errors the output and returns every permit', () => {
    const sem = new Semaphore(2);
    let error: unknown;
    of(1, 2).pipe(semaphoreMap(sem, (v) => (v === 2 ? (() => { throw 'bad'; })() : new Subject<number>()))).subscribe({ error: (e) => (error = e) });
    expect(error).toBe('bad');
    expect(sem.available).toBe(2);
  });

  it('100 000 synchronous values through semaphoreMap(1) and lockedSection', () => {
    let n = 0;
    range(0, 100_000).pipe(semaphoreMap(1, (x) => of(x))).subscribe(() => n++);
    range(0, 100_000).pipe(lockedSection(new Lock(), (x) => of(x))).subscribe(() => n++);
    expect(n).toBe(200_000);
  });
});

describe('a synchronous source inside a section stops when the subscriber unsubscribes', () => {
  it.each([
    ['Semaphore.section', (src: Observable<number>) => new Semaphore(2).section(src)],
    ['lockedSection(lock)', (src: Observable<number>) => src.pipe(lockedSection(new Lock()))],
    ['semaphoreMap', (src: Observable<number>) => of(0).pipe(semaphoreMap(1, () => src))],
  ])('%s', (_name, wrap) => {
    let produced = 0;
    const endless = new Observable<number>((s) => {
      for (let i = 0; !s.closed && i < 1e7; i++) (produced++, s.next(i));
    });
    const values: number[] = [];
    wrap(endless).pipe(take(3)).subscribe((v) => values.push(v));
    expect(values).toEqual([0, 1, 2]);
    expect(produced).toBe(3);
  });
});

describe('a section whose body is a promise (awaited as it is, without an Observable around it)', () => {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('emits its value and completes, then gives the permit back; a rejection errors the section and gives it back too', async () => {
    const sem = new Semaphore(1);
    expect(await lastValueFrom(sem.section(() => Promise.resolve(7)))).toBe(7);
    expect(sem.available).toBe(1);
    const boom = new Error('boom');
    await expect(lastValueFrom(sem.section(() => Promise.reject(boom)))).rejects.toBe(boom);
    expect(sem.available).toBe(1);
    // a promise given as the source itself, not from a factory, goes the same way
    expect(await lastValueFrom(sem.section(Promise.resolve('as is')))).toBe('as is');
  });

  it('unsubscribed while the promise is pending: the permit is back at once, the next section starts, the late value is dropped', async () => {
    const sem = new Semaphore(1);
    let resolve!: (value: number) => void;
    const seen: unknown[] = [];
    const sub = sem.section(() => new Promise<number>((r) => (resolve = r))).subscribe({ next: (v) => seen.push(v), complete: () => seen.push('complete') });
    const next = lastValueFrom(sem.section(() => Promise.resolve('next')));
    expect(sem.available).toBe(0);
    sub.unsubscribe();
    expect(await next).toBe('next');
    resolve(1);
    await settle();
    expect(seen).toEqual([]);
    expect(sem.available).toBe(1);
  });

  it('a subscriber that throws on the value: reported as rxjs reports it (config.onUnhandledError), not left to the promise, and the permit is back', async () => {
    const { config, Subscriber } = await import('rxjs');
    const reported: unknown[] = [];
    const before = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const sem = new Semaphore(1);
      const oops = new Error('oops');
      const throwing = {
        next: () => {
          throw oops;
        },
        error: () => undefined,
        complete: () => undefined,
      };
      // an observer (rxjs's SafeSubscriber catches and reports), and a bare Subscriber (which does not:
      // the section reports it, as rxjs's own from(promise) does)
      sem.section(() => Promise.resolve(1)).subscribe(throwing);
      sem.section(() => Promise.resolve(2)).subscribe(new Subscriber(throwing));
      await settle();
      await settle();
      expect(reported).toEqual([oops, oops]);
      expect(sem.available).toBe(1);
    } finally {
      config.onUnhandledError = before;
    }
  });
});

describe('a promise-bodied section, composed', () => {
  it('inside switchMap (a pending one is cancelled and its permit comes back), under repeat, and take(1) after it', async () => {
    const { switchMap, repeat, from } = await import('rxjs');
    const sem = new Semaphore(1);
    let started = 0;
    const slow = (i: number) => () => (started++, new Promise<number>((r) => setTimeout(() => r(i), 20)));
    // each new value switches away from the pending section: only the last one's value arrives
    const out = await lastValueFrom(from([1, 2, 3]).pipe(switchMap((i) => sem.section(slow(i))), toArray()));
    expect(out).toEqual([3]);
    expect(sem.available).toBe(1);
    // re-subscribed by repeat three times, each time from its own complete
    const again = await lastValueFrom(sem.section(() => Promise.resolve(7)).pipe(repeat(3), toArray()));
    expect(again).toEqual([7, 7, 7]);
    expect(await lastValueFrom(sem.section(() => Promise.resolve(8)).pipe(take(1)))).toBe(8);
    expect(sem.available).toBe(1);
    expect(started).toBe(3);
  });
});
