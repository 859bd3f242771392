// PermitSource and Lease: factory sections, fencing tokens, lease signals, any PermitSource in
// semaphoreMap and lockedSection; Semaphore.resize.
import { describe, it, expect } from 'vitest';
import { NEVER, Observable, Subject, concatMap, defer, lastValueFrom, of, range, repeat, take, toArray, type ObservableInput } from 'rxjs';
import { Lock, RateLimiter, Semaphore, lockedSection, semaphoreMap, type Lease, type PermitSource } from '../src/index.js';
import { checkOperatorContract } from '../src/testing/index.js';
import { RUNS, endlessSource } from './helpers.js';

/**
 * A PermitSource that is not this package's class (as a RedisSemaphore is not): it counts its
 * sections and delegates to a Semaphore, so semaphoreMap and lockedSection must take the generic path.
 */
class CountingSource implements PermitSource {
  readonly inner: Semaphore;
  sections = 0;
  constructor(permits: number) {
    this.inner = new Semaphore(permits);
  }
  get permits(): number {
    return this.inner.permits;
  }
  section<T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight?: number): Observable<T> {
    this.sections++;
    return this.inner.section(source, weight);
  }
}

describe('Lease: sections made by a factory', () => {
  it('the factory runs when the permits are granted, with a token that grows with every grant', () => {
    const sem = new Semaphore(1);
    const tokens: number[] = [];
    const calls: string[] = [];
    const hold = new Subject<void>();
    sem.section(() => (calls.push('first'), hold)).subscribe();
    sem.section((lease) => (calls.push('second'), tokens.push(lease.token), of(1))).subscribe();
    expect(calls).toEqual(['first']); // the second waits: its factory has not run
    hold.complete();
    sem.section((lease) => (tokens.push(lease.token), of(2))).subscribe();
    expect(calls).toEqual(['first', 'second']);
    expect(tokens).toEqual([2, 3]);
  });

  it('lease.signal aborts when the section ends: complete, error or unsubscribe; read late, it is aborted already', () => {
    const sem = new Semaphore(2);
    const signals: AbortSignal[] = [];
    const done = new Subject<void>();
    sem.section((lease) => (signals.push(lease.signal), done)).subscribe();
    expect(signals[0]!.aborted).toBe(false);
    done.complete();
    expect(signals[0]!.aborted).toBe(true);

    const failing = new Subject<void>();
    sem.section((lease) => (signals.push(lease.signal), failing)).subscribe({ error: () => undefined });
    failing.error(new Error('x'));
    expect(signals[1]!.aborted).toBe(true);

    let aborted: boolean | undefined;
    const sub = sem.section((lease) => {
      lease.signal.addEventListener('abort', () => (aborted = sem.available === 2));
      return NEVER;
    }).subscribe();
    sub.unsubscribe();
    expect(aborted).toBe(true); // the permit was already back when the signal aborted

    let kept: Lease | undefined;
    sem.section((lease) => ((kept = lease), of(1))).subscribe();
    expect(kept!.signal.aborted).toBe(true);
  });
});

describe('RateLimiter is a PermitSource too', () => {
  it('a factory section gets a growing token at its start; semaphoreMap takes the limiter', async () => {
    const limiter = new RateLimiter({ limit: 10, interval: 1000 });
    const tokens: number[] = [];
    await lastValueFrom(limiter.section((lease) => (tokens.push(lease.token), of(1))));
    await lastValueFrom(limiter.section((lease) => (tokens.push(lease.token), of(2))));
    expect(tokens[1]).toBeGreaterThan(tokens[0]!);
    expect(await lastValueFrom(range(0, 3).pipe(semaphoreMap(limiter, (i) => of(i * 2)), toArray()))).toEqual([0, 2, 4]);
  });
});

describe('any PermitSource in semaphoreMap and lockedSection', () => {
  it('semaphoreMap over a PermitSource of another class limits concurrency and calls project at its turn', async () => {
    const source = new CountingSource(2);
    let inside = 0;
    let most = 0;
    const projected: number[] = [];
    const out = await lastValueFrom(
      range(0, 6).pipe(
        semaphoreMap(source, (i) => {
          projected.push(i);
          return defer(async () => {
            most = Math.max(most, ++inside);
            await new Promise((r) => setTimeout(r, 5));
            inside--;
            return i * 10;
          });
        }),
        toArray(),
      ),
    );
    expect(out.sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(source.sections).toBe(6);
    expect(most).toBe(2);
    expect(source.inner.available).toBe(2);
  });

  it('lockedSection takes any PermitSource of one permit, and refuses one of more', async () => {
    const lock = new CountingSource(1);
    await expect(lastValueFrom(of(1, 2, 3).pipe(lockedSection(lock, (v) => of(v * 2)), toArray()))).resolves.toEqual([2, 4, 6]);
    expect(lock.sections).toBe(3);
    expect(() => lockedSection(new CountingSource(2))).toThrow(/^lockedSection: lock must be a Lock \(a PermitSource of one permit\)/);
    expect(() => lockedSection({ section: 1 } as never)).toThrow(TypeError);
  });

  it('the generic path keeps the Observable contract, composed', () => {
    checkOperatorContract(({ inner }) => semaphoreMap(new CountingSource(2), inner), { numRuns: RUNS });
    checkOperatorContract(({ inner }) => lockedSection(new CountingSource(1), inner), { numRuns: RUNS });
  });
});

describe('Semaphore.resize', () => {
  it('growing serves waiters at once, in FIFO order, and available$ follows', () => {
    const sem = new Semaphore(2);
    const seen: number[] = [];
    sem.available$.subscribe((n) => seen.push(n));
    const order: string[] = [];
    sem.section(NEVER, 2).subscribe();
    sem.section(defer(() => (order.push('a'), NEVER))).subscribe();
    sem.section(defer(() => (order.push('b'), NEVER)), 2).subscribe();
    sem.section(defer(() => (order.push('c'), NEVER))).subscribe();
    expect(sem.waiting).toBe(3);
    sem.resize(3); // 1 free: a (1) enters; b needs 2: b blocks c behind it (strict FIFO)
    expect(order).toEqual(['a']);
    expect(sem.waiting).toBe(2);
    sem.resize(6); // 3 free: b (2), then c (1)
    expect(order).toEqual(['a', 'b', 'c']);
    expect(sem.available).toBe(0);
    expect(sem.permits).toBe(6);
    expect(seen[seen.length - 1]).toBe(0);
  });

  it('shrinking interrupts no running section; new sections wait until the held weight is below the new capacity', () => {
    const sem = new Semaphore(3);
    const running = [new Subject<void>(), new Subject<void>(), new Subject<void>()];
    let interrupted = 0;
    for (const r of running) sem.section(new Observable<void>((s) => (r.subscribe(s), () => interrupted++))).subscribe();
    sem.resize(1);
    expect(sem.available).toBe(0);
    expect(interrupted).toBe(0);
    const entered: string[] = [];
    sem.section(defer(() => (entered.push('new'), of(1)))).subscribe();
    running[0]!.complete();
    running[1]!.complete();
    expect(entered).toEqual([]); // held 1 = capacity 1: still no room
    running[2]!.complete();
    expect(entered).toEqual(['new']);
    expect(sem.available).toBe(1);
  });

  it('a queued waiter heavier than the new capacity errors with a RangeError; the others stay queued', () => {
    const sem = new Semaphore(3);
    sem.section(NEVER, 3).subscribe();
    const errors: unknown[] = [];
    sem.section(of(1), 3).subscribe({ error: (e: unknown) => errors.push(e) });
    const light = sem.section(of(1), 1);
    const lightValues: number[] = [];
    light.subscribe((v) => lightValues.push(v));
    sem.resize(2);
    expect(errors[0]).toBeInstanceOf(RangeError);
    expect((errors[0] as Error).message).toMatch(/^Semaphore\.resize: a waiting section needs 3 permits, more than the new capacity 2/);
    expect(sem.waiting).toBe(1);
    // a section subscribed now with a weight above the capacity errors at once too
    const late: unknown[] = [];
    new Semaphore(3).section(of(1), 3).subscribe();
    const s2 = new Semaphore(3);
    const heavy = s2.section(of(1), 3);
    s2.resize(1);
    heavy.subscribe({ error: (e: unknown) => late.push(e) });
    expect(late[0]).toBeInstanceOf(RangeError);
    expect(lightValues).toEqual([]);
  });

  it('resize composed: a semaphoreMap stream keeps running across a grow and a shrink', async () => {
    const sem = new Semaphore(1);
    const out = await lastValueFrom(
      range(0, 20).pipe(
        semaphoreMap(sem, (i) => {
          if (i === 5) sem.resize(4);
          if (i === 12) sem.resize(2);
          return defer(() => Promise.resolve(i));
        }),
        toArray(),
      ),
    );
    expect(out.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(sem.available).toBe(2);
  });

  it('bad arguments, and a Lock cannot be resized', () => {
    const sem = new Semaphore(2);
    expect(() => sem.resize(0)).toThrow(RangeError);
    expect(() => sem.resize(0)).toThrow(/^Semaphore\.resize: permits must be an integer from 1 up, got 0/);
    expect(() => sem.resize(1.5)).toThrow(RangeError);
    expect(() => sem.resize('2' as never)).toThrow(TypeError);
    expect(() => new Lock().resize(2)).toThrow(/^Lock\.resize: a Lock always has one permit/);
    expect(sem.permits).toBe(2);
  });
});

describe('Semaphore and Lock composed', () => {
  it('a section re-subscribed from its own complete (repeat), inside concatMap, and behind take(1) of an endless source', async () => {
    const sem = new Semaphore(1);
    expect(await lastValueFrom(sem.section(of(1)).pipe(repeat(3), toArray()))).toEqual([1, 1, 1]);
    expect(await lastValueFrom(range(0, 3).pipe(concatMap((i) => new Lock().section(of(i))), toArray()))).toEqual([0, 1, 2]);
    const { endless, pulled } = endlessSource();
    expect(await lastValueFrom(sem.section(endless).pipe(take(1)))).toBe(0);
    expect(pulled()).toBe(1);
    expect(sem.available).toBe(1);
  });
});
