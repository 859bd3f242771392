import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, lastValueFrom, take, tap, toArray, type Observable } from 'rxjs';
import { WorkerCrashedError, createWorkerPool, fromWorker, transfer, type WorkerPool } from '../src/index.js';
import type { tasks } from './fixtures/tasks.worker.js';
import { buildWorker } from '../scripts/build-worker.js';

type Tasks = typeof tasks;
let url: URL;
const pools: WorkerPool<Tasks>[] = [];
const pool = (options: Parameters<typeof createWorkerPool>[1] = {}) => {
  const p = createWorkerPool<Tasks>(url, options);
  pools.push(p);
  return p;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errorOf = (o: Observable<unknown>) => lastValueFrom(o).then(() => undefined, (e: unknown) => e as Error);
/** Both workers of an idle size-2 pool at once: each answers its id and bumps. */
const bothWorkers = async (p: WorkerPool<Tasks>) => {
  const states = await Promise.all([0, 1].map(() => lastValueFrom(fromWorker(p, 'stateAfter', 30))));
  expect(new Set(states.map((s) => s.id)).size).toBe(2);
  return states;
};
const waitFor = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(5);
  }
};

beforeAll(async () => {
  url = await buildWorker('spec/fixtures/tasks.worker.ts');
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.terminate()));
});

describe('fromWorker with real worker_threads', () => {
  it('a plain value, an array and a typed array arrive as one next each', async () => {
    const p = pool({ size: 1 });
    expect(await lastValueFrom(fromWorker(p, 'add', 2, 3).pipe(toArray()))).toEqual([5]);
    expect(await lastValueFrom(fromWorker(p, 'echo', [1, 2]).pipe(toArray()))).toEqual([[1, 2]]);
    expect(await lastValueFrom(fromWorker(p, 'echo', new Uint8Array([7, 8])).pipe(toArray()))).toEqual([new Uint8Array([7, 8])]);
  });

  it('a generator, an async iterable, an Observable and a promise stream their values', async () => {
    const p = pool({ size: 2 });
    expect(await lastValueFrom(fromWorker(p, 'count', 4).pipe(toArray()))).toEqual([1, 2, 3, 4]);
    expect(await lastValueFrom(fromWorker(p, 'countSlowly', 3, 2).pipe(toArray()))).toEqual([1, 2, 3]);
    expect(await lastValueFrom(fromWorker(p, 'ticks', 3).pipe(toArray()))).toEqual([0, 10, 20]);
    expect(await lastValueFrom(fromWorker(p, 'later', 'x', 5).pipe(toArray()))).toEqual(['x']);
  });

  it('a handler’s error arrives with its name, message and stack', async () => {
    const p = pool({ size: 1 });
    const custom = await errorOf(fromWorker(p, 'fail', 'boom'));
    expect([custom!.name, custom!.message]).toEqual(['CustomError', 'boom']);
    expect(custom!.stack).toMatch(/tasks\.worker/);
    const typed = await errorOf(fromWorker(p, 'failType'));
    expect(typed).toBeInstanceOf(TypeError);
    expect(typed!.message).toBe('bad type in worker');
  });

  it('an unknown task name is a TypeError naming the tasks that exist', async () => {
    const error = await errorOf(fromWorker(pool() as WorkerPool, 'missing'));
    expect(error).toBeInstanceOf(TypeError);
    expect(error!.message).toMatch(/unknown task 'missing'.*'add', 'echo'/);
  });

  it('`while (true) {}` is cancelled by terminating its worker after cancelGrace; the next task on a size-1 pool completes', async () => {
    const p = pool({ size: 1, cancelGrace: 50 });
    const before = await firstValueFrom(fromWorker(p, 'id'));
    const sub = fromWorker(p, 'spin').subscribe();
    await sleep(30);
    sub.unsubscribe();
    expect(await firstValueFrom(fromWorker(p, 'add', 1, 1))).toBe(2);
    expect(await lastValueFrom(fromWorker(p, 'id'))).not.toBe(before); // a new worker
    expect(p.stats).toEqual({ workers: 1, busy: 0, queued: 0 });
  });

  it('throwIfCancelled sees the cancel inside a synchronous loop: the same worker is free again at once', async () => {
    const p = pool({ size: 1, cancelGrace: 10_000 });
    const before = await firstValueFrom(fromWorker(p, 'id'));
    const sub = fromWorker(p, 'spinPolitely').subscribe();
    await sleep(30);
    sub.unsubscribe();
    expect(await firstValueFrom(fromWorker(p, 'id'))).toBe(before);
  });

  it('ctx.signal aborts on unsubscribe', async () => {
    const p = pool({ size: 1, cancelGrace: 10_000 });
    const before = await firstValueFrom(fromWorker(p, 'id'));
    const values: string[] = [];
    const sub = fromWorker(p, 'later', 'never', 60_000).subscribe((v) => values.push(v));
    await sleep(20);
    sub.unsubscribe();
    expect(await firstValueFrom(fromWorker(p, 'id'))).toBe(before);
    expect(values).toEqual([]);
  });

  it('queued tasks run in FIFO order', async () => {
    const p = pool({ size: 1 });
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((v, i) => lastValueFrom(fromWorker(p, 'later', v, 20 - i * 5)).then((x) => order.push(x))),
    );
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('cancelling an async iterable mid-way stops it and frees the same worker', async () => {
    const p = pool({ size: 1, cancelGrace: 10_000 });
    const before = await lastValueFrom(fromWorker(p, 'id'));
    const values: number[] = [];
    const sub = fromWorker(p, 'countSlowly', 1000, 5).subscribe((v) => values.push(v));
    await waitFor(() => values.length >= 2);
    sub.unsubscribe();
    const seen = values.length;
    expect(await lastValueFrom(fromWorker(p, 'id'))).toBe(before);
    await sleep(30);
    expect(values.length).toBe(seen);
  });

  it('a queued task that is cancelled never runs', async () => {
    const p = pool({ size: 1 });
    const blocker = fromWorker(p, 'later', 'done', 50);
    const done = lastValueFrom(blocker);
    const queued = fromWorker(p, 'bump').subscribe();
    expect(p.stats.queued).toBe(1);
    queued.unsubscribe();
    expect(p.stats.queued).toBe(0);
    await done;
    expect(await firstValueFrom(fromWorker(p, 'bumps'))).toBe(0);
  });

  it('a task sent ahead to a busy worker is taken back by the worker that frees first: FIFO across workers', async () => {
    // every worker busy: the next task is sent ahead to the first one, whose task never ends by itself
    const p = pool({ size: 2, cancelGrace: 10_000 });
    const endless = fromWorker(p, 'spinPolitely').subscribe({ error: () => undefined });
    const short = lastValueFrom(fromWorker(p, 'later', 'short', 30));
    const ahead = lastValueFrom(fromWorker(p, 'bump'));
    expect(p.stats).toEqual({ workers: 2, busy: 2, queued: 1 });
    // the short task's worker comes free and runs it; left behind the endless task, it would never end
    const first = await Promise.race([ahead, sleep(10_000).then(() => 'still waiting')]);
    expect(first).toBe(1);
    expect(await short).toBe('short');
    // the endless task's worker, stopped, skips the task taken back from it and takes new work
    endless.unsubscribe();
    await waitFor(() => p.stats.busy === 0);
    const states = await bothWorkers(p);
    expect(states.map((s) => s.bumps).sort()).toEqual([0, 1]); // it ran once, on one worker
    expect(p.stats).toEqual({ workers: 2, busy: 0, queued: 0 });
  });

  it('a task that transfers is never sent ahead: taken by the worker that frees, its buffer arrives whole', async () => {
    const p = pool({ size: 2, cancelGrace: 10_000 });
    const endless = fromWorker(p, 'spinPolitely').subscribe({ error: () => undefined });
    const short = lastValueFrom(fromWorker(p, 'later', 'short', 30));
    const buffer = new ArrayBuffer(1024);
    const moved = lastValueFrom(fromWorker(p, 'byteLength', transfer(buffer, [buffer])));
    expect(p.stats.queued).toBe(1);
    expect(await moved).toBe(1024);
    expect(await short).toBe('short');
    endless.unsubscribe();
  });

  it('a task sent ahead and cancelled never runs, and its worker goes on', async () => {
    const p = pool({ size: 2, cancelGrace: 10_000 });
    const endless = fromWorker(p, 'spinPolitely').subscribe({ error: () => undefined });
    const other = fromWorker(p, 'spinPolitely').subscribe({ error: () => undefined });
    const doomed = fromWorker(p, 'bump').subscribe();
    expect(p.stats.queued).toBe(1);
    doomed.unsubscribe();
    expect(p.stats.queued).toBe(0);
    endless.unsubscribe();
    other.unsubscribe();
    await waitFor(() => p.stats.busy === 0);
    // the first worker found it in its port and skipped it
    expect((await bothWorkers(p)).map((s) => s.bumps)).toEqual([0, 0]);
  });

  it('a transferred ArrayBuffer is detached at the sender; a worker can transfer one back', async () => {
    const p = pool({ size: 1 });
    const buffer = new ArrayBuffer(1024);
    expect(await firstValueFrom(fromWorker(p, 'byteLength', transfer(buffer, [buffer])))).toBe(1024);
    expect(buffer.byteLength).toBe(0);
    const copied = new ArrayBuffer(8);
    await firstValueFrom(fromWorker(p, 'byteLength', copied));
    expect(copied.byteLength).toBe(8);
    const back = await firstValueFrom(fromWorker(p, 'makeBuffer', 16));
    expect(back.byteLength).toBe(16);
  });

  it('the main thread’s timers keep firing while a CPU task runs', async () => {
    const p = pool({ size: 1 });
    await firstValueFrom(fromWorker(p, 'id')); // worker started
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await firstValueFrom(fromWorker(p, 'busy', 300));
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it('a worker that exits errors only its running task with WorkerCrashedError; the queue goes on', async () => {
    const p = pool({ size: 1 });
    const crashed = errorOf(fromWorker(p, 'exit', 3));
    const next = firstValueFrom(fromWorker(p, 'add', 20, 22));
    const error = await crashed;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error!.name).toBe('WorkerCrashedError');
    expect(error!.message).toMatch(/exited with code 3/);
    expect(await next).toBe(42);
  });

  it('an error thrown outside any task crashes the worker: WorkerCrashedError', async () => {
    const error = await errorOf(fromWorker(pool({ size: 1 }), 'throwOutside'));
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error!.message).toMatch(/thrown outside any task/);
  });

  it('running out of memory under resourceLimits is a WorkerCrashedError, and the pool goes on', async () => {
    const p = pool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    const error = await errorOf(fromWorker(p, 'hog'));
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(await firstValueFrom(fromWorker(p, 'add', 1, 2))).toBe(3);
  });

  it('arguments that cannot be cloned error that subscriber (DataCloneError), not the pool', async () => {
    const p = pool({ size: 1 });
    const error = await errorOf(fromWorker(p, 'echo', (() => 1) as never));
    expect(error!.name).toBe('DataCloneError');
    const returned = await errorOf(fromWorker(p, 'uncloneable'));
    expect(returned!.name).toBe('DataCloneError');
    expect(await firstValueFrom(fromWorker(p, 'add', 1, 2))).toBe(3);
  });

  it("a synchronous generator's values travel in batches, in order; one that cannot be cloned errors after the ones before it", async () => {
    const p = pool({ size: 1 });
    const many = await lastValueFrom(fromWorker(p, 'count', 10_000).pipe(toArray()));
    expect(many).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    const seen: unknown[] = [];
    const error = await errorOf(fromWorker(p, 'uncloneableAfter', 300).pipe(tap((v) => seen.push(v))));
    expect(error!.name).toBe('DataCloneError');
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // a value to transfer travels alone, in its place
    const mixed = await lastValueFrom(fromWorker(p, 'withTransfer', 600).pipe(toArray()));
    expect(mixed).toHaveLength(600);
    expect(mixed[300]).toBeInstanceOf(ArrayBuffer);
    expect(mixed.filter((v) => typeof v === 'number')).toEqual(Array.from({ length: 600 }, (_, i) => i).filter((i) => i !== 300));
    // take(3) of an endless one still stops it, and the worker is free again
    expect(await lastValueFrom(fromWorker(p, 'count', 1e12).pipe(take(3), toArray()))).toEqual([1, 2, 3]);
    expect(await firstValueFrom(fromWorker(p, 'add', 1, 2))).toBe(3);
  });

  it('a worker that cannot be created errors the task, not the process', async () => {
    const error = await errorOf(fromWorker(createWorkerPool<Tasks>('not a path'), 'add', 1, 1));
    expect(error).toBeInstanceOf(TypeError);
  });

  it('maxQueue overflow errors the new task with a RangeError', async () => {
    const p = pool({ size: 1, maxQueue: 1 });
    const running = fromWorker(p, 'later', 'a', 30).subscribe();
    const queued = fromWorker(p, 'add', 1, 1).subscribe();
    const error = await errorOf(fromWorker(p, 'add', 2, 2));
    expect(error).toBeInstanceOf(RangeError);
    expect(error!.message).toMatch(/maxQueue 1/);
    running.unsubscribe();
    queued.unsubscribe();
  });

  it('workers start on demand and stop after idleTimeout', async () => {
    const p = pool({ size: 2, idleTimeout: 30 });
    expect(p.stats.workers).toBe(0);
    const both = Promise.all([firstValueFrom(fromWorker(p, 'later', 'a', 10)), firstValueFrom(fromWorker(p, 'later', 'b', 10))]);
    // each task got a worker of its own at once (the pool had none). Not checked after they end: on
    // a loaded machine the first may already have idled its 30 ms away by then.
    expect(p.stats).toEqual({ workers: 2, busy: 2, queued: 0 });
    expect(await both).toEqual(['a', 'b']);
    await waitFor(() => p.stats.workers === 0);
  });

  it('the default size is the logical cores − 1, at least 1', async () => {
    const p = pool();
    const running = Array.from({ length: 4 }, () => fromWorker(p, 'later', 'x', 200).subscribe());
    expect(p.stats.workers).toBe(Math.max(1, availableParallelism() - 1));
    expect(p.stats.busy + p.stats.queued).toBe(4);
    running.forEach((s) => s.unsubscribe());
  });

  it('a worker that works again during its idle spell is kept; idleTimeout counts from its last task', async () => {
    const p = pool({ size: 1, idleTimeout: 600 });
    await lastValueFrom(fromWorker(p, 'add', 1, 1));
    await sleep(400);
    await lastValueFrom(fromWorker(p, 'add', 1, 1)); // idle again from here
    await sleep(400); // past the first idle spell's 600 ms, within the second's
    expect(p.stats.workers).toBe(1);
    await waitFor(() => p.stats.workers === 0);
  });

  it('terminate() errors the running and queued tasks and every later one', async () => {
    const p = pool({ size: 1 });
    const running = errorOf(fromWorker(p, 'later', 'a', 1000));
    const queued = errorOf(fromWorker(p, 'add', 1, 1));
    await sleep(10);
    await p.terminate();
    expect((await running)!.message).toMatch(/terminated/);
    expect((await queued)!.message).toMatch(/terminated/);
    expect((await errorOf(fromWorker(p, 'add', 1, 1)))!.message).toMatch(/terminated/);
    expect(p.stats).toEqual({ workers: 0, busy: 0, queued: 0 });
  });

  it('inline functions run in the shared pool; a closure over an outer variable fails there', async () => {
    expect(await firstValueFrom(fromWorker((a: number, b: number) => a * b, 6, 7))).toBe(42);
    const upTo = function* (n: number) {
      for (let i = 0; i < n; i++) yield i;
    };
    expect(await lastValueFrom(fromWorker(upTo, 3).pipe(toArray()))).toEqual([0, 1, 2]);
    const outer = 5;
    const error = await errorOf(fromWorker((a: number) => a + outer, 1));
    expect(error).toBeInstanceOf(ReferenceError);
  });

  it('a child Node process that used a pool exits by itself after the work', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const script = `${root}.tmp/child-uses-pool.mts`;
    writeFileSync(
      script,
      `import { createWorkerPool, fromWorker } from ${JSON.stringify(`${root}src/index.ts`)};
      import { lastValueFrom } from 'rxjs';
      const pool = createWorkerPool(${JSON.stringify(url.href)}, { size: 2, idleTimeout: 60000 });
      console.log(await lastValueFrom(fromWorker(pool, 'add', 40, 2)));
      console.log(await lastValueFrom(fromWorker((n: number) => n * 2, 21)));
      `,
    );
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toEqual(['42', '42']);
    expect(Date.now() - started).toBeLessThan(30_000); // far below the 60 s idleTimeout
  });

  it.each([
    [() => createWorkerPool(42 as never), TypeError, /^createWorkerPool: url must be a URL or a string/],
    [() => createWorkerPool('x.js', { size: 0 }), RangeError, /^createWorkerPool: options\.size must be an integer from 1 up, got 0/],
    [() => createWorkerPool('x.js', { cancelGrace: -1 }), RangeError, /options\.cancelGrace .*got -1/],
    [() => createWorkerPool('x.js', { idleTimeout: NaN }), RangeError, /options\.idleTimeout .*got NaN/],
    [() => createWorkerPool('x.js', { maxQueue: -1 }), RangeError, /options\.maxQueue .*got -1/],
    [() => createWorkerPool('x.js', { resourceLimits: 5 as never }), TypeError, /options\.resourceLimits must be an object/],
    [() => (fromWorker as (...a: unknown[]) => unknown)(null), TypeError, /^fromWorker: pool must be a WorkerPool or a function/],
    [() => (fromWorker as (...a: unknown[]) => unknown)(createWorkerPool('x.js'), 42), TypeError, /^fromWorker: name must be the name of a task/],
    [() => (fromWorker as (...a: unknown[]) => unknown)(Math.max), TypeError, /^fromWorker: fn must be a self-contained function/],
    [() => transfer(1, 'x' as never), TypeError, /^transfer: transferables must be an array/],
  ])('%#: bad arguments throw synchronously', (call, ErrorClass, message) => {
    expect(call).toThrow(ErrorClass);
    expect(call).toThrow(message);
  });

  it('property: random mixes of durations, cancellations, errors and crashes always end every subscriber and return the pool to zero busy and queued', async () => {
    const job = fc.record({
      kind: fc.constantFrom('ok', 'ok', 'ok', 'error', 'crash', 'spin'),
      ms: fc.integer({ min: 0, max: 15 }),
      cancelAfter: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(job, { minLength: 1, maxLength: 8 }), async (size, jobs) => {
        const p = pool({ size, cancelGrace: 20 });
        const ends = await Promise.all(
          jobs.map(async (j) => {
            const task =
              j.kind === 'ok' ? fromWorker(p, 'later', 'v', j.ms) : j.kind === 'error' ? fromWorker(p, 'fail', 'x') : j.kind === 'crash' ? fromWorker(p, 'exit', 1) : fromWorker(p, 'spin');
            return new Promise<string>((resolve) => {
              const sub = task.subscribe({ complete: () => resolve('complete'), error: (e: Error) => resolve(e.name) });
              const cancelAfter = j.kind === 'spin' ? (j.cancelAfter ?? 5) : j.cancelAfter;
              if (cancelAfter !== undefined) setTimeout(() => (sub.closed ? undefined : (sub.unsubscribe(), resolve('cancelled'))), cancelAfter);
            });
          }),
        );
        ends.forEach((end, i) => {
          const kind = jobs[i]!.kind;
          const allowed = { ok: ['complete'], error: ['CustomError'], crash: ['WorkerCrashedError'], spin: [] }[kind];
          expect([...allowed, 'cancelled']).toContain(end);
        });
        await waitFor(() => p.stats.busy === 0 && p.stats.queued === 0);
        expect(p.stats.workers).toBeLessThanOrEqual(size);
        await p.terminate();
      }),
      { numRuns: process.env.SOAK ? 300 : 40 },
    );
  });
});
