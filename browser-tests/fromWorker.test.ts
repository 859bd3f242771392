import { describe, it, expect, afterEach } from 'vitest';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { createWorkerPool, fromWorker, type WorkerPool } from '../src/index.js';
import type { tasks } from '../spec/fixtures/tasks.worker.js';

// the same worker module as the Node tests, served by Vite as a module Web Worker
const url = new URL('../spec/fixtures/tasks.worker.ts', import.meta.url);
const pools: WorkerPool<typeof tasks>[] = [];
const pool = (size = 1) => {
  const p = createWorkerPool<typeof tasks>(url, { size, cancelGrace: 50 });
  pools.push(p);
  return p;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.terminate()));
});

describe('fromWorker in Chromium (module Web Workers)', () => {
  it('runs in a real browser worker', () => {
    expect(typeof window).toBe('object');
    expect(navigator.userAgent).toMatch(/Chrome/);
  });

  it('the factory form, as bundlers want it written: new Worker(new URL(…), { type: "module" })', async () => {
    let made = 0;
    const p = createWorkerPool<typeof tasks>(() => (made++, new Worker(new URL('../spec/fixtures/tasks.worker.ts', import.meta.url), { type: 'module' })), { size: 1 });
    pools.push(p);
    expect(await firstValueFrom(fromWorker(p, 'add', 20, 22))).toBe(42);
    expect(await lastValueFrom(fromWorker(p, 'count', 3).pipe(toArray()))).toEqual([1, 2, 3]);
    expect(made).toBe(1);
  });

  it('values', async () => {
    const p = pool();
    expect(await firstValueFrom(fromWorker(p, 'add', 2, 3))).toBe(5);
    expect(await firstValueFrom(fromWorker(p, 'echo', new Uint8Array([1, 2])))).toEqual(new Uint8Array([1, 2]));
  });

  it('streaming: a generator, an async iterable and an Observable', async () => {
    const p = pool(2);
    expect(await lastValueFrom(fromWorker(p, 'count', 3).pipe(toArray()))).toEqual([1, 2, 3]);
    expect(await lastValueFrom(fromWorker(p, 'countSlowly', 3, 2).pipe(toArray()))).toEqual([1, 2, 3]);
    expect(await lastValueFrom(fromWorker(p, 'ticks', 3).pipe(toArray()))).toEqual([0, 10, 20]);
  });

  it('an error keeps its name and message', async () => {
    const error = await lastValueFrom(fromWorker(pool(), 'fail', 'boom')).catch((e: Error) => e);
    expect([error.name, error.message]).toEqual(['CustomError', 'boom']);
  });

  it('cancelling a running task: `while (true) {}` is terminated and the next task completes', async () => {
    const p = pool();
    const sub = fromWorker(p, 'spin').subscribe();
    await sleep(50);
    sub.unsubscribe();
    expect(await firstValueFrom(fromWorker(p, 'add', 1, 1))).toBe(2);
  });

  it('ctx.signal aborts on unsubscribe, and the same worker serves the next task', async () => {
    const p = pool();
    const id = await lastValueFrom(fromWorker(p, 'id'));
    const sub = fromWorker(p, 'later', 'x', 60_000).subscribe();
    await sleep(20);
    sub.unsubscribe();
    expect(await lastValueFrom(fromWorker(p, 'id'))).toBe(id);
  });

  it('inline functions run in a worker made from a Blob', async () => {
    expect(await firstValueFrom(fromWorker((a: number, b: number) => a * b, 6, 7))).toBe(42);
  });
});
