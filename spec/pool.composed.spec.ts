// The worker pool composed the way apps compose it: the next task started from the previous one's
// completion (concatMap, mergeMap(…, 1), semaphoreMap(1), repeat), and the defects that exposed.
import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { concatMap, defer, exhaustMap, lastValueFrom, map, mergeMap, range, repeat, retry, switchMap, take, tap, timer, toArray, type Observable } from 'rxjs';
import { Worker as NodeWorker } from 'node:worker_threads';
import { WorkerCrashedError, createWorkerPool, fromWorker, semaphoreMap, transfer, type WorkerPool } from '../src/index.js';
import { inProcessPool } from '../src/testing/index.js';
import { inspectPool } from '../src/internal/pool/pool.js';
import { tasks, type tasks as Tasks } from './fixtures/tasks.worker.js';
import { buildWorker } from '../scripts/build-worker.js';

let url: URL;
const pools: WorkerPool<typeof Tasks>[] = [];
const pool = (options: Parameters<typeof createWorkerPool>[1] = {}) => {
  const p = createWorkerPool<typeof Tasks>(url, options);
  pools.push(p);
  return p;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errorOf = (o: Observable<unknown>) => lastValueFrom(o).then(() => undefined, (e: unknown) => e as Error);
const root = fileURLToPath(new URL('..', import.meta.url));

beforeAll(async () => {
  url = await buildWorker('spec/fixtures/tasks.worker.ts');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(pools.splice(0).map((p) => p.terminate()));
});

describe('a task started from the previous task’s completion', () => {
  const job = (p: WorkerPool<typeof Tasks>) => (i: number) => fromWorker(p, 'countPrimes', 0, 1000 * (i + 1));
  const expected = [168, 303, 430];

  it.each([
    ['concatMap', (p: WorkerPool<typeof Tasks>) => range(0, 3).pipe(concatMap(job(p)))],
    ['mergeMap(…, 1)', (p: WorkerPool<typeof Tasks>) => range(0, 3).pipe(mergeMap(job(p), 1))],
    ['semaphoreMap(1)', (p: WorkerPool<typeof Tasks>) => range(0, 3).pipe(semaphoreMap(1, job(p)))],
  ])('%s over fromWorker delivers every value and completes; the pool ends idle', async (_name, make) => {
    for (const size of [1, 2]) {
      const p = pool({ size });
      expect(await lastValueFrom(make(p).pipe(toArray()))).toEqual(expected);
      expect(p.stats).toMatchObject({ busy: 0, queued: 0 });
      expect(inspectPool(p).every((s) => !s.busy && !s.referenced)).toBe(true);
    }
  });

  it('switchMap cancels the running task for the next; exhaustMap ignores values while one runs; retry runs a failing task again', async () => {
    const p = pool({ size: 1, cancelGrace: 1000 });
    // each value starts a task that checks its cancel flag; the last one completes
    const switched = await lastValueFrom(
      range(0, 4).pipe(
        concatMap((i) => timer(i * 20).pipe(map(() => i))),
        switchMap((i) => (i < 3 ? fromWorker(p, 'spinPolitely') : fromWorker(p, 'add', i, 0))),
        toArray(),
      ),
    );
    expect(switched).toEqual([3]);
    expect(p.stats).toMatchObject({ workers: 1, busy: 0, queued: 0 }); // the same worker: cancels were cooperative
    const exhausted = await lastValueFrom(range(0, 5).pipe(exhaustMap((i) => fromWorker(p, 'add', i, 100)), toArray()));
    expect(exhausted).toEqual([100]); // the others arrived while the first task ran
    let attempts = 0;
    const retried = await errorOf(defer(() => (attempts++, fromWorker(p, 'fail', 'boom'))).pipe(retry(2)));
    expect(attempts).toBe(3);
    expect(retried!.message).toBe('boom');
  });

  it('take(1) of an endless generator task stops it, and the worker is free for the next task', async () => {
    const p = pool({ size: 1, cancelGrace: 5000 });
    expect(await lastValueFrom(fromWorker(p, 'count', Number.MAX_SAFE_INTEGER).pipe(take(1)))).toBe(1);
    expect(await lastValueFrom(fromWorker(p, 'add', 1, 2))).toBe(3);
    expect(p.stats).toEqual({ workers: 1, busy: 0, queued: 0 });
  });

  it('repeat(3) of one task, on a real pool and on the shared pool of inline functions', async () => {
    const p = pool({ size: 1 });
    expect(await lastValueFrom(fromWorker(p, 'add', 1, 2).pipe(repeat(3), toArray()))).toEqual([3, 3, 3]);
    expect(await lastValueFrom(fromWorker((a: number) => a * 2, 21).pipe(repeat(3), toArray()))).toEqual([42, 42, 42]);
  });

  it('the worker is referenced while the re-subscribed task runs, and not once it is idle', async () => {
    const p = pool({ size: 1 });
    const seen: { busy: boolean; referenced: boolean }[][] = [];
    // repeat re-subscribes inside the first run's complete: the second run must find the worker
    // assigned and referenced, not unref'd by a release that came after the notification
    const values = await lastValueFrom(fromWorker(p, 'count', 2).pipe(repeat(2), tap(() => seen.push(inspectPool(p))), toArray()));
    expect(values).toEqual([1, 2, 1, 2]);
    expect(seen).toEqual(Array.from({ length: 4 }, () => [{ busy: true, referenced: true }]));
    expect(inspectPool(p)).toEqual([{ busy: false, referenced: false }]);
  });

  it('with a task sent ahead: mergeMap beyond the pool under repeat, and take(1) of a synchronous source cancelling the task ahead', async () => {
    const p = pool({ size: 2 });
    // mergeMap(…, 3) on 2 workers: one task is always ahead; repeat re-subscribes from the completion
    const results = await lastValueFrom(
      defer(() => range(0, 40)).pipe(mergeMap((i) => fromWorker(p, 'add', i, 1), 3), toArray(), repeat(2), toArray()),
    );
    for (const run of results) expect([...run].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // take(1): the first value unsubscribes the others, the one sent ahead included; the pool ends idle
    const first = await lastValueFrom(range(0, 1000).pipe(mergeMap(() => fromWorker(p, 'busy', 5).pipe(map(() => 'done')), 3), take(1)));
    expect(first).toBe('done');
    await vi.waitFor(() => expect(p.stats).toEqual({ workers: 2, busy: 0, queued: 0 }));
    // the pool goes on, in order
    expect(await lastValueFrom(range(0, 6).pipe(concatMap((i) => fromWorker(p, 'add', i, i)), toArray()))).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('a task started inside a completion queues behind the tasks already waiting (FIFO)', { timeout: 10_000 }, async () => {
    const p = pool({ size: 1 });
    const order: string[] = [];
    const run = (name: string, then?: () => void) =>
      new Promise<void>((resolve) =>
        fromWorker(p, 'busy', 10).subscribe({
          complete: () => {
            order.push(name);
            then?.();
            resolve();
          },
        }),
      );
    let c: Promise<void> | undefined;
    const a = run('a', () => (c = run('c')));
    const b = run('b');
    await a;
    await b;
    await c;
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('in a child process, concatMap over fromWorker prints every value and exits right after complete', async () => {
    const script = `${root}.tmp/child-concat-pool.mts`;
    writeFileSync(
      script,
      `import { createWorkerPool, fromWorker } from ${JSON.stringify(`${root}src/index.ts`)};
      import { concatMap, range } from 'rxjs';
      const pool = createWorkerPool(${JSON.stringify(url.href)}, { size: 1, idleTimeout: 60000 });
      range(0, 3).pipe(concatMap((i) => fromWorker(pool, 'countPrimes', 0, 1000 * (i + 1))))
        .subscribe({ next: (v) => console.log(v), complete: () => console.log('complete') });
      `,
    );
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out.trim().split('\n')).toEqual(['168', '303', '430', 'complete']);
    expect(code).toBe(0);
    // a generous bound (a loaded machine starts Node and tsx slowly): far below the 60 s idleTimeout
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('faults and odd inputs that must stay with their task', () => {
  it('a handler that throws a non-cloneable non-Error errors its task alone with an Error describing it', async () => {
    const p = pool({ size: 1 });
    const before = await lastValueFrom(fromWorker(p, 'id'));
    const error = await errorOf(fromWorker(p, 'throwUncloneable'));
    expect(error).toBeInstanceOf(Error);
    expect(error!.name).toBe('Error');
    expect(error!.message).toMatch(/cannot be sent.*code: 42, retry: \[function\]/);
    expect(await lastValueFrom(fromWorker(p, 'id'))).toBe(before); // the same worker: it did not crash
  });

  it('retry and repeat of a transferring task fail the second subscription with a TypeError that shows the fix', async () => {
    const p = pool({ size: 1 });
    const buffer = new ArrayBuffer(8);
    const once = fromWorker(p, 'byteLength', transfer(buffer, [buffer]));
    const values: number[] = [];
    const error = await errorOf(once.pipe(tap((v) => values.push(v)), repeat(2)));
    expect(values).toEqual([8]);
    expect(error).toBeInstanceOf(TypeError);
    expect(error!.message).toMatch(/already transferred.*defer\(\(\) => fromWorker/);
    expect(p.stats).toEqual({ workers: 1, busy: 0, queued: 0 });
    // the fix the message shows works
    const fresh = defer(() => {
      const b = new ArrayBuffer(8);
      return fromWorker(p, 'byteLength', transfer(b, [b]));
    });
    expect(await lastValueFrom(fresh.pipe(repeat(2), toArray()))).toEqual([8, 8]);
    // retry re-subscribes after an error: the failure of the second run is not retried into a hang
    const b2 = new ArrayBuffer(4);
    const failing = fromWorker(p, 'byteLength', transfer(b2, [b2])).pipe(
      map((n) => {
        if (n === 4) throw new Error('first run fails after transferring');
        return n;
      }),
      retry(1),
    );
    expect((await errorOf(failing))!.message).toMatch(/already transferred/);
  });

  it('inProcessPool with options given as undefined keeps its defaults (size Infinity)', () => {
    const p = inProcessPool(tasks, { size: undefined, idleTimeout: undefined, cancelGrace: undefined });
    const subs = [0, 1, 2].map(() => fromWorker(p, 'ticks', 1000).subscribe());
    expect(p.stats).toEqual({ workers: 3, busy: 3, queued: 0 });
    subs.forEach((s) => s.unsubscribe());
    expect(p.stats).toMatchObject({ busy: 0, queued: 0 });
  });

  it('a cancelGrace above 2³¹−1 ms is waited for, not fired at once', async () => {
    const p = pool({ size: 1, cancelGrace: 30 * 86_400_000 });
    const sub = fromWorker(p, 'spin').subscribe();
    await sleep(50);
    sub.unsubscribe();
    await sleep(150);
    expect(p.stats).toEqual({ workers: 1, busy: 1, queued: 0 }); // still spinning: the grace has not run out
  });

  it('an idleTimeout above 2³¹−1 ms keeps the worker and arms few timers (no re-arming spin)', async () => {
    const p = pool({ size: 1, idleTimeout: 30 * 86_400_000 });
    await lastValueFrom(fromWorker(p, 'add', 1, 1));
    const spy = vi.spyOn(globalThis, 'setTimeout');
    await new Promise<void>((resolve) => setImmediate(resolve));
    await sleep(100);
    expect(p.stats).toEqual({ workers: 1, busy: 0, queued: 0 });
    // no idle timer re-armed within these 100 ms (a delay above 2³¹−1 fired at once and was re-armed
    // every millisecond): count only the long timers, whatever else sets a timer meanwhile
    expect(spy.mock.calls.filter(([, delay]) => Number(delay) >= 2 ** 31 - 1).length).toBe(0);
  });

  it('an in-process queue of 100 000 synchronous tasks on one slot runs without stack growth, in order', async () => {
    const p = inProcessPool(tasks, { size: 1 });
    const out: number[] = [];
    const hold = fromWorker(p, 'ticks', 1).subscribe(); // keeps the one slot busy while we queue
    for (let i = 0; i < 100_000; i++) fromWorker(p, 'add', i, 0).subscribe((v) => out.push(v));
    expect(p.stats.queued).toBe(100_000);
    await sleep(30);
    hold.unsubscribe();
    expect(out.length).toBe(100_000);
    expect(out.every((v, i) => v === i)).toBe(true);
  });
});

describe('createWorkerPool(spawn): a factory that makes each worker', () => {
  it('runs tasks on the workers the factory makes, calling it each time the pool starts one', async () => {
    let made = 0;
    const p = createWorkerPool<typeof Tasks>(() => (made++, new NodeWorker(url)), { size: 2 });
    pools.push(p);
    expect(await lastValueFrom(fromWorker(p, 'add', 40, 2))).toBe(42);
    expect(await lastValueFrom(range(0, 4).pipe(mergeMap((i) => fromWorker(p, 'busy', 5 + i)), toArray()))).toHaveLength(4);
    expect(made).toBe(2);
    // after a crash, two tasks at once need a second worker again: the factory is called again
    await errorOf(fromWorker(p, 'exit', 3));
    expect(await lastValueFrom(range(0, 2).pipe(mergeMap(() => fromWorker(p, 'busy', 20)), toArray()))).toEqual([20, 20]);
    expect(made).toBe(3);
  });

  it('a worker that fails to load errors its task with a message naming the URL, or the factory', async () => {
    const missing = new URL('../.tmp/no-such-worker.mjs', import.meta.url);
    const byUrl = createWorkerPool(missing, { size: 1 });
    const byFactory = createWorkerPool(() => new NodeWorker(missing), { size: 1 });
    pools.push(byUrl as WorkerPool<typeof Tasks>, byFactory as WorkerPool<typeof Tasks>);
    const a = await errorOf(fromWorker(byUrl, 'add', 1, 2));
    expect(a).toBeInstanceOf(WorkerCrashedError);
    expect(a!.message).toContain(`the worker at ${missing.href} failed to load or start`);
    const b = await errorOf(fromWorker(byFactory, 'add', 1, 2));
    expect(b).toBeInstanceOf(WorkerCrashedError);
    expect(b!.message).toMatch(/the worker made by the pool’s spawn factory failed to load or start/);
  });

  it('a factory that throws errors the task, not the caller', async () => {
    const p = createWorkerPool(() => {
      throw new Error('no workers today');
    });
    expect((await errorOf(fromWorker(p, 'add', 1, 2)))!.message).toBe('no workers today');
  });
});

