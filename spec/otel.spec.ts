// rxjs-concurrency/otel with the real OpenTelemetry SDK: a MeterProvider whose reader is the
// Prometheus exporter on a loopback port, scraped over HTTP after known workloads. Times follow a
// clock the test moves (fake `performance`, or a limiter's virtual scheduler), so durations are exact.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NEVER, Subject, VirtualTimeScheduler, concatMap, lastValueFrom, of, range, repeat, take, throwError, toArray } from 'rxjs';
import { KeyedRateLimiter, KeyedSemaphore, Lock, RateLimiter, Semaphore, createWorkerPool, fromWorker, lockedSection, semaphoreMap } from '../src/index.js';
import { instrument } from '../src/otel/index.js';
import { buildWorker } from '../scripts/build-worker.js';
import type { tasks } from './fixtures/tasks.worker.js';
import { n, otelHarness, outcome } from './otel-harness.js';

const { setup, scrape } = otelHarness();
afterEach(() => void vi.useRealTimers());

describe('instrument(Semaphore) — scraped from the Prometheus exporter', () => {
  it('counts sections by outcome, histograms of waits and holds in seconds, gauges of the state', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { meter, name } = setup();
    const sem = new Semaphore(2);
    instrument(sem, { meter, name, attributes: { service: 'spec' } });
    const a = new Subject<void>();
    const b = new Subject<void>();
    sem.section(a).subscribe(); // t0: granted at once
    sem.section(b).subscribe({ error: () => undefined }); // t0: granted at once
    const c = sem.section(NEVER).subscribe(); // waits
    const d = sem.section(NEVER).subscribe(); // waits behind c
    vi.advanceTimersByTime(30);
    a.complete(); // t30: a held 30 ms; c granted after 30 ms
    vi.advanceTimersByTime(20);
    d.unsubscribe(); // t50: cancelled while waiting
    b.error(new Error('x')); // t50: b held 50 ms
    sem.section(NEVER).subscribe(); // t50: granted at once (nobody waits)
    const e = sem.section(NEVER).subscribe(); // t50: waits
    vi.advanceTimersByTime(10);
    c.unsubscribe(); // t60: c held 30 ms; e granted after 10 ms
    const read = await scrape();
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'complete'))).toBe(1);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'error'))).toBe(1);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'unsubscribe'))).toBe(1);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'cancelled_waiting'))).toBe(1);
    expect(read('rxjs_concurrency_section_wait_duration_count', n(name))).toBe(5);
    expect(read('rxjs_concurrency_section_wait_duration_sum', n(name))).toBeCloseTo(0.04, 9);
    expect(read('rxjs_concurrency_section_wait_duration_bucket', { ...n(name), le: '0.005' })).toBe(3);
    expect(read('rxjs_concurrency_section_hold_duration_count', n(name))).toBe(3);
    expect(read('rxjs_concurrency_section_hold_duration_sum', n(name))).toBeCloseTo(0.11, 9);
    expect(read('rxjs_concurrency_permits_used', { ...n(name), service: 'spec' })).toBe(2);
    expect(read('rxjs_concurrency_permits_limit', n(name))).toBe(2);
    expect(read('rxjs_concurrency_sections_waiting', n(name))).toBe(0);
    e.unsubscribe();
  });

  it('composed: a section re-subscribed by repeat is two sections; semaphoreMap and lockedSection count each inner', async () => {
    const { meter, name } = setup();
    const lock = new Lock();
    instrument(lock, { meter, name });
    await lastValueFrom(lock.section(of(1)).pipe(repeat(2)));
    await lastValueFrom(of(1, 2, 3).pipe(lockedSection(lock, (x) => of(x)), toArray()));
    await lastValueFrom(of(1, 2).pipe(concatMap((x) => lock.section(x === 2 ? throwError(() => new Error('no')) : of(x)))), { defaultValue: 0 }).catch(() => undefined);
    const sem = new Semaphore(3);
    const other = `${name}-sem`;
    instrument(sem, { meter, name: other });
    await lastValueFrom(of(1, 2, 3, 4).pipe(semaphoreMap(sem, (x) => of(x)), toArray()));
    const read = await scrape();
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'complete'))).toBe(6);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'error'))).toBe(1);
    expect(read('rxjs_concurrency_sections_total', outcome(other, 'complete'))).toBe(4);
    expect(read('rxjs_concurrency_permits_limit', n(name))).toBe(1);
  });

  it('twice: each handle measures under its own name; remove() stops one, the other goes on', async () => {
    const { meter, name } = setup();
    const sem = new Semaphore(1);
    const first = instrument(sem, { meter, name });
    instrument(sem, { meter, name: `${name}-b` });
    await lastValueFrom(sem.section(of(1)));
    first.remove();
    first.remove();
    await lastValueFrom(sem.section(of(1)));
    const read = await scrape();
    // the removed handle's counts and gauges are no longer reported; its histograms keep what they
    // had recorded (a cumulative exporter's sync instruments), and record nothing more
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'complete'))).toBeUndefined();
    expect(read('rxjs_concurrency_permits_limit', n(name))).toBeUndefined();
    expect(read('rxjs_concurrency_section_wait_duration_count', n(name))).toBe(1);
    expect(read('rxjs_concurrency_sections_total', outcome(`${name}-b`, 'complete'))).toBe(2);
    expect(read('rxjs_concurrency_section_wait_duration_count', n(`${name}-b`))).toBe(2);
  });
});

describe('instrument(RateLimiter) and the keyed limits', () => {
  it('a rate limiter: starts by cost, waits on its own scheduler’s clock, no holds', async () => {
    const { meter, name } = setup();
    const scheduler = new VirtualTimeScheduler();
    const limiter = new RateLimiter({ limit: 2, interval: 100, scheduler });
    instrument(limiter, { meter, name });
    limiter.section(of(1), 2).subscribe(); // t0, cost 2
    limiter.section(of(1)).subscribe(); // waits until t100
    limiter.section(NEVER).subscribe().unsubscribe();
    scheduler.flush();
    const read = await scrape();
    expect(read('rxjs_concurrency_rate_started_total', n(name))).toBe(3);
    expect(read('rxjs_concurrency_section_wait_duration_count', n(name))).toBe(2);
    expect(read('rxjs_concurrency_section_wait_duration_sum', n(name))).toBeCloseTo(0.1, 9);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'complete'))).toBe(2);
    expect(read('rxjs_concurrency_sections_total', outcome(name, 'cancelled_waiting'))).toBe(1);
    expect(read('rxjs_concurrency_section_hold_duration_count', n(name))).toBeUndefined();
  });

  it('keyed: keys become an attribute only when asked (keys: true)', async () => {
    const { meter, name } = setup();
    const keyed = new KeyedSemaphore<string>({ permits: 2, perKey: 1 });
    instrument(keyed, { meter, name, keys: true });
    const plain = `${name}-nokeys`;
    const limiter = new KeyedRateLimiter<string>({ perKey: { limit: 5, interval: 1000 } });
    instrument(limiter, { meter, name: plain });
    await lastValueFrom(of('a', 'b', 'a').pipe(semaphoreMap(keyed, (k) => of(k), { key: (k) => k }), toArray()));
    await lastValueFrom(of('a', 'b').pipe(concatMap((k) => limiter.section(k, of(k))), toArray()));
    const read = await scrape();
    expect(read('rxjs_concurrency_sections_total', { ...outcome(name, 'complete'), rxjs_concurrency_key: 'a' })).toBe(2);
    expect(read('rxjs_concurrency_sections_total', { ...outcome(name, 'complete'), rxjs_concurrency_key: 'b' })).toBe(1);
    expect(read('rxjs_concurrency_sections_total', outcome(plain, 'complete'))).toBe(2);
    expect(read('rxjs_concurrency_sections_total', { ...outcome(plain, 'complete'), rxjs_concurrency_key: 'a' })).toBeUndefined();
    expect(read('rxjs_concurrency_permits_limit', n(name))).toBe(2);
  });
});

describe('instrument(pool)', () => {
  it('a worker pool: tasks running and queued, workers; each task counted by how it ended, and timed from its start; a crash takes its worker away', async () => {
    const url = await buildWorker('spec/fixtures/tasks.worker.ts');
    const pool = createWorkerPool<typeof tasks>(url, { size: 1, idleTimeout: 60_000 });
    const { meter, name } = setup();
    const handle = instrument(pool, { meter, name });
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const running = fromWorker(pool, 'later', 'x', 10_000).subscribe({ error: () => undefined });
      const queued = fromWorker(pool, 'later', 'y', 10_000).subscribe({ error: () => undefined });
      // (polled on real timers: vi.waitFor would move the faked clock)
      while (pool.stats.busy !== 1) await new Promise((resolve) => setTimeout(resolve, 10));
      let read = await scrape();
      expect(read('rxjs_concurrency_tasks_running', n(name))).toBe(1);
      expect(read('rxjs_concurrency_tasks_queued', n(name))).toBe(1);
      expect(read('rxjs_concurrency_workers', n(name))).toBe(1);
      vi.advanceTimersByTime(250);
      queued.unsubscribe();
      running.unsubscribe();
      // (the running one ends when its worker has stopped it: at +250 ms on the moved clock)
      expect(await lastValueFrom(fromWorker(pool, 'add', 1, 2))).toBe(3);
      await lastValueFrom(fromWorker(pool, 'fail', 'no')).catch(() => undefined);
      await lastValueFrom(fromWorker(pool, 'exit', 3)).catch(() => undefined);
      await vi.waitFor(() => expect(pool.stats.workers).toBe(0));
      read = await scrape();
      expect(read('rxjs_concurrency_tasks_queued', n(name))).toBe(0);
      expect(read('rxjs_concurrency_workers', n(name))).toBe(0);
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'complete'))).toBe(1);
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'error'))).toBe(1);
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'cancelled'))).toBe(2);
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'crashed'))).toBe(1);
      // four started (the one cancelled while queued never did): only the cancelled runner took time
      expect(read('rxjs_concurrency_task_duration_count', n(name))).toBe(4);
      expect(read('rxjs_concurrency_task_duration_sum', n(name))).toBeCloseTo(0.25, 9);
      handle.remove();
      await lastValueFrom(fromWorker(pool, 'add', 1, 2));
      // removed: nothing more is counted or timed (the SDK keeps showing the values it last read)
      read = await scrape();
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'complete'))).toBe(1);
      expect(read('rxjs_concurrency_task_duration_count', n(name))).toBe(4);
    } finally {
      handle.remove();
      await pool.terminate();
    }
  }, 30_000);

  it('a worker pool, composed: concatMap under repeat counts every task, take(1) of a streaming task counts as cancelled, a task re-run from its own complete counts each run, terminate errors what ran and refuses what comes after', async () => {
    const url = await buildWorker('spec/fixtures/tasks.worker.ts');
    const pool = createWorkerPool<typeof tasks>(url, { size: 1 });
    const { meter, name } = setup();
    const handle = instrument(pool, { meter, name });
    try {
      expect(await lastValueFrom(range(0, 3).pipe(concatMap((i) => fromWorker(pool, 'add', i, 1)), repeat(2), toArray()))).toEqual([1, 2, 3, 1, 2, 3]);
      expect(await lastValueFrom(fromWorker(pool, 'ticks', 1000).pipe(take(1)))).toBe(0);
      await new Promise<void>((resolve) => {
        let runs = 0;
        const again = (): unknown => fromWorker(pool, 'add', 1, 1).subscribe({ complete: () => (++runs < 3 ? again() : resolve()) });
        again();
      });
      fromWorker(pool, 'later', 'x', 10_000).subscribe({ error: () => undefined });
      await vi.waitFor(() => expect(pool.stats.busy).toBe(1));
      await pool.terminate();
      await expect(lastValueFrom(fromWorker(pool, 'add', 1, 1))).rejects.toThrow(/terminated/);
      const read = await scrape();
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'complete'))).toBe(9);
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'cancelled'))).toBe(1);
      expect(read('rxjs_concurrency_tasks_total', outcome(name, 'error'))).toBe(2);
      // every task that reached a worker is timed (the refused one never did)
      expect(read('rxjs_concurrency_task_duration_count', n(name))).toBe(11);
    } finally {
      handle.remove();
      await pool.terminate();
    }
  }, 30_000);

  it('two handles on one pool both count; removing one leaves the other', async () => {
    const url = await buildWorker('spec/fixtures/tasks.worker.ts');
    const pool = createWorkerPool<typeof tasks>(url, { size: 1 });
    const a = setup();
    const b = setup();
    const first = instrument(pool, a);
    const second = instrument(pool, b);
    try {
      await lastValueFrom(fromWorker(pool, 'add', 1, 2));
      first.remove();
      await lastValueFrom(fromWorker(pool, 'add', 1, 2));
      const read = await scrape();
      expect(read('rxjs_concurrency_tasks_total', outcome(a.name, 'complete'))).toBeUndefined();
      expect(read('rxjs_concurrency_tasks_total', outcome(b.name, 'complete'))).toBe(2);
      expect(read('rxjs_concurrency_task_duration_count', n(b.name))).toBe(2);
    } finally {
      second.remove();
      await pool.terminate();
    }
  }, 30_000);
});

describe('instrument: arguments', () => {
  it('checks its arguments', () => {
    const { meter } = setup();
    expect(() => instrument({} as never, { meter, name: 'x' })).toThrow(/^instrument: target/);
    expect(() => instrument(new Semaphore(1), { meter: {} as never, name: 'x' })).toThrow(/options\.meter/);
    expect(() => instrument(new Semaphore(1), { meter, name: '' })).toThrow(/options\.name/);
    expect(() => instrument(new Semaphore(1), null as never)).toThrow(TypeError);
    expect(() => instrument(new Semaphore(1), { meter, name: 'x', keys: 1 as never })).toThrow(/options\.keys/);
  });
});
