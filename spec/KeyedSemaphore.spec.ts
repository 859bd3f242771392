// KeyedSemaphore: FIFO within a key, turns across keys (deficit round robin, weighted by share), a
// cap per key, no memory for an idle key; the operators that take it; and a property test against
// a small reference model of the rotation.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Subject, concatMap, defer, finalize, forkJoin, lastValueFrom, of, range, repeat, take, throwError, toArray, type Subscription } from 'rxjs';
import { KeyedSemaphore, Semaphore, lockedSection, semaphoreMap } from '../src/index.js';
import { RUNS } from './helpers.js';

/** A section of `key` that starts when granted (logged) and ends when `end(name)` is called. */
function harness<K>(keyed: KeyedSemaphore<K>) {
  const log: string[] = [];
  const ends = new Map<string, Subject<never>>();
  const open = (key: K, name: string, weight = 1): Subscription => {
    const end = new Subject<never>();
    ends.set(name, end);
    return keyed.section(key, defer(() => (log.push(name), end)), weight).subscribe({ error: (e: unknown) => log.push(`${name} ${(e as Error).name}`) });
  };
  const end = (...names: string[]) => names.forEach((n) => ends.get(n)!.complete());
  return { log, open, end };
}

describe('KeyedSemaphore', () => {
  it('a key that queues many does not make another key wait behind them: grants take turns across keys', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 1 });
    const { log, open, end } = harness(keyed);
    for (let i = 1; i <= 5; i++) open('noisy', `n${i}`);
    open('quiet', 'q1');
    open('quiet', 'q2');
    expect([keyed.keys, keyed.waiting, keyed.queued('noisy'), keyed.queued('quiet'), keyed.held('noisy')]).toEqual([2, 6, 4, 2, 1]);
    end('n1', 'n2', 'q1', 'n3', 'q2', 'n4');
    // with one shared FIFO Semaphore the quiet key would start after n5
    expect(log).toEqual(['n1', 'n2', 'q1', 'n3', 'q2', 'n4', 'n5']);
    end('n5');
    expect([keyed.keys, keyed.waiting, keyed.available]).toEqual([0, 0, 1]); // an idle key costs nothing
  });

  it('the same workload through a plain Semaphore serves in arrival order (what the keyed one fixes)', () => {
    const plain = new Semaphore(1);
    const log: string[] = [];
    const ends: Subject<never>[] = [];
    const names = ['n1', 'n2', 'n3', 'n4', 'n5', 'q1', 'q2'];
    for (const name of names) {
      const end = new Subject<never>();
      ends.push(end);
      plain.section(defer(() => (log.push(name), end))).subscribe();
    }
    for (const end of ends) end.complete();
    expect(log).toEqual(names);
  });

  it('share: a key of share 2 gets two grants for each of a key of share 1 while both wait', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 1, share: (key) => (key === 'paid' ? 2 : 1) });
    const { log, open, end } = harness(keyed);
    open('free', 'hold');
    for (let i = 1; i <= 6; i++) open('paid', `p${i}`);
    for (let i = 1; i <= 3; i++) open('free', `f${i}`);
    for (const name of ['hold', 'p1', 'p2', 'f1', 'p3', 'p4', 'f2', 'p5', 'p6', 'f3']) end(name);
    expect(log).toEqual(['hold', 'p1', 'p2', 'f1', 'p3', 'p4', 'f2', 'p5', 'p6', 'f3']);
  });

  it('perKey: a key at its cap is passed over, and others use the free permits', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 3, perKey: 1 });
    const { log, open, end } = harness(keyed);
    open('a', 'a1');
    open('a', 'a2');
    open('b', 'b1');
    open('b', 'b2');
    expect(log).toEqual(['a1', 'b1']);
    expect([keyed.available, keyed.held('a'), keyed.held('b')]).toEqual([1, 1, 1]);
    end('a1');
    expect(log).toEqual(['a1', 'b1', 'a2']);
  });

  it('weights: a heavy head blocks its own key, never another key', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 3 });
    const { log, open, end } = harness(keyed);
    open('a', 'a1', 2);
    open('a', 'heavy', 3);
    open('a', 'a-light');
    open('b', 'b1');
    expect(log).toEqual(['a1', 'b1']); // a-light waits behind its own heavy head; b does not
    end('a1', 'b1');
    expect(log).toEqual(['a1', 'b1', 'heavy']);
    end('heavy');
    expect(log).toEqual(['a1', 'b1', 'heavy', 'a-light']);
  });

  it('unsubscribing a waiter removes it (and a key with nothing left is forgotten); a holder gives its permits back after its teardown', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 1 });
    const { log, open, end } = harness(keyed);
    open('a', 'a1');
    const waiting = open('b', 'b1');
    expect(keyed.keys).toBe(2);
    waiting.unsubscribe();
    expect([keyed.keys, keyed.waiting, keyed.queued('b')]).toEqual([1, 0, 0]);
    const teardown: string[] = [];
    const endC = new Subject<never>();
    keyed.section('c', defer(() => (log.push('c1'), endC)).pipe(finalize(() => teardown.push(`teardown, available ${keyed.available}`)))).subscribe();
    end('a1');
    expect(log).toEqual(['a1', 'c1']);
    endC.complete();
    expect(teardown).toEqual(['teardown, available 0']); // still held while its teardown runs
    expect([keyed.keys, keyed.available]).toEqual([0, 1]);
  });

  it('a section subscribed by an already-closed subscriber never queues', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 1 });
    const { open } = harness(keyed);
    open('a', 'hold');
    // forkJoin subscribes the section with a subscriber that the first source's error closed already
    forkJoin([throwError(() => new Error('first fails')), keyed.section('b', of(1))]).subscribe({ error: () => undefined });
    expect([keyed.waiting, keyed.keys]).toEqual([0, 1]);
  });

  it('leases: fencing tokens grow across keys; the signal aborts when the section ends', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 2 });
    const tokens: number[] = [];
    const signals: AbortSignal[] = [];
    for (const key of ['a', 'b', 'a']) keyed.section(key, (lease) => (tokens.push(lease.token), signals.push(lease.signal), of(1))).subscribe();
    expect(tokens).toEqual([1, 2, 3]);
    expect(signals.every((s) => s.aborted)).toBe(true);
  });

  it('resize: growing serves waiters in turn; shrinking interrupts nothing; a waiter too heavy for the new capacity errors', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 2 });
    const { log, open, end } = harness(keyed);
    open('a', 'a1', 2);
    open('a', 'a2');
    open('b', 'b1', 2);
    keyed.resize(3);
    expect(log).toEqual(['a1', 'a2']);
    keyed.resize(1);
    expect(log).toEqual(['a1', 'a2', 'b1 RangeError']);
    expect(keyed.waiting).toBe(0);
    open('c', 'c1');
    end('a1');
    expect(log).toEqual(['a1', 'a2', 'b1 RangeError']); // a2 still holds 1 of the 1 permit
    end('a2');
    expect(log).toEqual(['a1', 'a2', 'b1 RangeError', 'c1']);
  });

  it('Infinity permits and perKey 1: a lock per key', () => {
    const keyed = new KeyedSemaphore<string>({ permits: Infinity, perKey: 1 });
    const { log, open, end } = harness(keyed);
    for (const name of ['x1', 'y1', 'x2', 'z1', 'y2']) open(name[0]!, name);
    expect(log).toEqual(['x1', 'y1', 'z1']);
    expect([keyed.queued('x'), keyed.queued('y'), keyed.available]).toEqual([1, 1, Infinity]);
    keyed.resize(Infinity);
    end('x1');
    expect(log).toEqual(['x1', 'y1', 'z1', 'x2']);
  });

  it('100 000 synchronous sections over 1 000 keys pass without stack growth, and leave no key behind', async () => {
    const keyed = new KeyedSemaphore<number>({ permits: 4, perKey: 2 });
    const out = await lastValueFrom(range(0, 100_000).pipe(semaphoreMap(keyed, (i) => of(i), { key: (i) => i % 1000 }), toArray()));
    expect(out).toHaveLength(100_000);
    expect([keyed.keys, keyed.waiting, keyed.available]).toEqual([0, 0, 4]);
  });

  it('bad arguments: TypeError or RangeError naming the function and the parameter', () => {
    expect(() => new KeyedSemaphore(5 as never)).toThrow(/^KeyedSemaphore: options must be an object/);
    expect(() => new KeyedSemaphore({ permits: 0 })).toThrow(RangeError);
    expect(() => new KeyedSemaphore({ permits: 0 })).toThrow(/^KeyedSemaphore: options\.permits must be an integer from 1 up or Infinity, got 0/);
    expect(() => new KeyedSemaphore({ permits: 2, perKey: 1.5 })).toThrow(/^KeyedSemaphore: options\.perKey must be/);
    expect(() => new KeyedSemaphore({ permits: 2, share: 3 as never })).toThrow(/^KeyedSemaphore: options\.share must be a function/);
    const keyed = new KeyedSemaphore<string>({ permits: 3, perKey: 2, share: (k) => (k === 'bad' ? 0 : 1) });
    expect(() => keyed.section('a', of(1), 3)).toThrow(/^KeyedSemaphore\.section: weight must be an integer from 1 to 2, got 3/);
    const errors: unknown[] = [];
    keyed.section('bad', of(1)).subscribe({ error: (e: unknown) => errors.push(e) }); // share is read when the key first waits
    expect(String(errors[0])).toMatch(/^RangeError: KeyedSemaphore: options\.share\(key\) must be a finite number above 0, got 0/);
    expect(keyed.keys).toBe(0);
    expect(() => keyed.resize(0)).toThrow(/^KeyedSemaphore\.resize: permits must be/);
  });
});

describe('the operators over a KeyedSemaphore', () => {
  it('semaphoreMap with a key per value: the cap per key and the global permits hold, and keys take turns', async () => {
    const keyed = new KeyedSemaphore<string>({ permits: 3, perKey: 2 });
    const active = new Map<string, number>();
    let most = 0;
    let mostPerKey = 0;
    const started: string[] = [];
    const call = (key: string) =>
      defer(async () => {
        started.push(key);
        active.set(key, (active.get(key) ?? 0) + 1);
        most = Math.max(most, [...active.values()].reduce((a, b) => a + b, 0));
        mostPerKey = Math.max(mostPerKey, active.get(key)!);
        await new Promise((r) => setTimeout(r, 2));
        return key;
      }).pipe(finalize(() => active.set(key, active.get(key)! - 1)));
    const work = [...Array(12).fill('a'), 'b', 'b', 'c'];
    const out = await lastValueFrom(of(...work).pipe(semaphoreMap(keyed, call, { key: (k) => k }), toArray()));
    expect(out).toHaveLength(15);
    expect([most, mostPerKey]).toEqual([3, 2]);
    // b and c start among the first six (a, a, b at once; then a, b, c in turn), not after the twelve of a
    expect(started.slice(0, 6)).toEqual(['a', 'a', 'b', 'a', 'b', 'c']);
    expect(keyed.keys).toBe(0);
  });

  it('semaphoreMap: a keyed limiter needs `key`, a plain one refuses it', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 2 });
    expect(() => semaphoreMap(keyed as never, () => of(1))).toThrow(TypeError);
    expect(() => semaphoreMap(keyed as never, () => of(1))).toThrow(/^semaphoreMap: options\.key must be a function \(value, index\) => key, with a KeyedSemaphore/);
    expect(() => semaphoreMap(new Semaphore(2), () => of(1), { key: () => 'a' } as never)).toThrow(/^semaphoreMap: options\.key must be undefined: a key goes with a KeyedSemaphore/);
    expect(() => semaphoreMap(keyed, (v: number) => of(v), { key: (v) => String(v), weight: 3 })).toThrow(/^semaphoreMap: options\.weight must be an integer from 1 to 2/);
  });

  it('forKey(key) is a PermitSource: lockedSection over a lock per key, composed under concatMap and repeat', async () => {
    const keyed = new KeyedSemaphore<string>({ permits: Infinity, perKey: 1 });
    const inside = new Map<string, number>();
    let overlap = false;
    const section = (key: string) => () =>
      defer(async () => {
        inside.set(key, (inside.get(key) ?? 0) + 1);
        if (inside.get(key)! > 1) overlap = true;
        await new Promise((r) => setTimeout(r, 1));
        inside.set(key, inside.get(key)! - 1);
        return key;
      });
    const out = await lastValueFrom(
      of('x', 'y').pipe(
        concatMap((key) => range(0, 3).pipe(lockedSection(keyed.forKey(key), section(key)))),
        repeat(2),
        toArray(),
      ),
    );
    expect(out).toEqual(['x', 'x', 'x', 'y', 'y', 'y', 'x', 'x', 'x', 'y', 'y', 'y']);
    expect(overlap).toBe(false);
    expect(keyed.forKey('x').permits).toBe(1);
  });

  it('take(1) of an endless synchronous source inside a keyed section stops it', () => {
    const keyed = new KeyedSemaphore<string>({ permits: 1 });
    let tornDown = 0;
    const out: number[] = [];
    keyed.section('a', range(0, Number.MAX_SAFE_INTEGER).pipe(finalize(() => tornDown++))).pipe(take(1)).subscribe((v) => out.push(v));
    expect(out).toEqual([0]);
    expect(tornDown).toBe(1);
    expect(keyed.available).toBe(1);
  });
});

// --- the rotation against a reference model -------------------------------------------------

interface Req {
  readonly key: number;
  readonly weight: number;
}

/**
 * The reference model of the queue discipline, written plainly: per-key FIFO queues, a rotation of
 * keys with a waiter, and at each key's turn — if its head fits — its share added to its earnings,
 * then heads started while earnings cover them and they fit.
 */
function model(permits: number, perKey: number, shares: number[], requests: readonly Req[], endOrder: (running: number[]) => number) {
  const queues = new Map<number, number[]>();
  const held = new Map<number, number>();
  const deficit = new Map<number, number>();
  const rotation: number[] = [];
  let free = permits;
  const running: number[] = [];
  const grants: number[] = [];
  const fits = (key: number, w: number) => w <= free && (held.get(key) ?? 0) + w <= perKey;
  const toBack = (key: number) => rotation.push(rotation.splice(rotation.indexOf(key), 1)[0]!);
  const dispatch = () => {
    let passed = 0;
    while (rotation.length > 0 && passed < rotation.length) {
      const key = rotation[0]!;
      const queue = queues.get(key)!;
      if (queue.length === 0) {
        rotation.shift();
        deficit.set(key, 0);
        continue;
      }
      const w = requests[queue[0]!]!.weight;
      if (!fits(key, w)) {
        toBack(key);
        passed++;
        continue;
      }
      passed = 0;
      if ((deficit.get(key) ?? 0) < w) {
        deficit.set(key, (deficit.get(key) ?? 0) + shares[key]!);
        if (deficit.get(key)! < w) {
          toBack(key);
          continue;
        }
      }
      const i = queue.shift()!;
      deficit.set(key, deficit.get(key)! - w);
      free -= w;
      held.set(key, (held.get(key) ?? 0) + w);
      running.push(i);
      grants.push(i);
      if (queue.length === 0) {
        rotation.shift();
        deficit.set(key, 0);
      } else if (deficit.get(key)! < requests[queue[0]!]!.weight) toBack(key);
    }
  };
  // every request arrives at once (while nothing runs), then they end one at a time
  requests.forEach((r, i) => {
    const anyWaiting = [...queues.values()].some((q) => q.length > 0);
    if (!anyWaiting && fits(r.key, r.weight)) {
      free -= r.weight;
      held.set(r.key, (held.get(r.key) ?? 0) + r.weight);
      running.push(i);
      grants.push(i);
      return;
    }
    if (!queues.has(r.key)) queues.set(r.key, []);
    queues.get(r.key)!.push(i);
    if (!rotation.includes(r.key)) rotation.push(r.key);
    dispatch();
  });
  while (running.length > 0) {
    const i = running.splice(endOrder(running), 1)[0]!;
    free += requests[i]!.weight;
    held.set(requests[i]!.key, held.get(requests[i]!.key)! - requests[i]!.weight);
    dispatch();
  }
  return grants;
}

describe('KeyedSemaphore against the reference model (fast-check)', () => {
  const scenario = fc.record({
    permits: fc.integer({ min: 1, max: 4 }),
    perKeyCap: fc.integer({ min: 1, max: 4 }),
    shares: fc.array(fc.constantFrom(1, 2, 3), { minLength: 4, maxLength: 4 }),
    requests: fc.array(fc.record({ key: fc.integer({ min: 0, max: 3 }), weight: fc.integer({ min: 1, max: 4 }) }), { maxLength: 30 }),
    ends: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  });

  it('grants in the model’s order; never more than the permits or a key’s cap; FIFO within a key; nothing left behind', () => {
    fc.assert(
      fc.property(scenario, ({ permits, perKeyCap, shares, requests: raw, ends }) => {
        const perKey = Math.min(perKeyCap, permits);
        const requests = raw.map((r) => ({ key: r.key, weight: Math.min(r.weight, perKey) }));
        let e = 0;
        const endOrder = (running: number[]) => ends[e++ % ends.length]! % running.length;
        const expected = model(permits, perKey, shares, requests, endOrder);

        const keyed = new KeyedSemaphore<number>({ permits, perKey, share: (k) => shares[k]! });
        const grants: number[] = [];
        const running: number[] = [];
        const stops = new Map<number, Subject<never>>();
        const heldNow = new Map<number, number>();
        const violations: string[] = [];
        let total = 0;
        requests.forEach((r, i) => {
          const stop = new Subject<never>();
          stops.set(i, stop);
          keyed
            .section(
              r.key,
              defer(() => {
                grants.push(i);
                running.push(i);
                total += r.weight;
                heldNow.set(r.key, (heldNow.get(r.key) ?? 0) + r.weight);
                // noted, not thrown: an error here would only reach the section's subscriber
                if (total > permits) violations.push(`${total} held of ${permits}`);
                if (heldNow.get(r.key)! > perKey) violations.push(`key ${r.key} holds ${heldNow.get(r.key)} over its cap ${perKey}`);
                return stop;
              }).pipe(
                finalize(() => {
                  total -= r.weight;
                  heldNow.set(r.key, heldNow.get(r.key)! - r.weight);
                }),
              ),
              r.weight,
            )
            .subscribe();
        });
        e = 0;
        while (running.length > 0) {
          const i = running.splice(endOrder(running), 1)[0]!;
          stops.get(i)!.complete();
        }
        expect(violations).toEqual([]);
        expect(grants).toEqual(expected);
        // FIFO within each key
        for (let k = 0; k < 4; k++) {
          const ofKey = grants.filter((i) => requests[i]!.key === k);
          expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
        }
        expect(grants).toHaveLength(requests.length);
        expect([keyed.keys, keyed.waiting, keyed.available]).toEqual([0, 0, permits]);
      }),
      { numRuns: RUNS },
    );
  });

  it('fairness: while two keys both have a waiter, the weight granted to each (divided by its share) stays within the largest weight of one section', () => {
    fc.assert(
      fc.property(
        fc.record({
          shares: fc.array(fc.constantFrom(1, 2, 3), { minLength: 3, maxLength: 3 }),
          weights: fc.array(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 12 }), { minLength: 3, maxLength: 3 }),
        }),
        ({ shares, weights }) => {
          // one permit-set of 3, a blocker holds it while every key queues; then each grant ends at once
          const keyed = new KeyedSemaphore<number>({ permits: 3, share: (k) => shares[k] ?? 1 });
          const hold = new Subject<never>();
          keyed.section(99, hold, 3).subscribe();
          const granted = [0, 0, 0];
          const left = weights.map((w) => w.length);
          const maxWeight = Math.max(...weights.flat());
          const violations: string[] = [];
          weights.forEach((list, key) =>
            list.forEach((w) =>
              keyed
                .section(
                  key,
                  defer(() => {
                    granted[key] += w;
                    left[key]!--;
                    // compare every pair of keys that both still wait (the one granted counts as waiting until now)
                    for (let a = 0; a < 3; a++) {
                      for (let b = a + 1; b < 3; b++) {
                        const waiting = (k: number) => left[k]! > 0 || k === key;
                        if (!waiting(a) || !waiting(b)) continue;
                        const gap = Math.abs(granted[a]! / shares[a]! - granted[b]! / shares[b]!);
                        if (gap > maxWeight) violations.push(`keys ${a} and ${b}: ${granted[a]}/${shares[a]} against ${granted[b]}/${shares[b]} (largest weight ${maxWeight})`);
                      }
                    }
                    return of(w);
                  }),
                  w,
                )
                .subscribe(),
            ),
          );
          hold.complete();
          expect(left).toEqual([0, 0, 0]);
          expect(violations).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
