// createQueuePool and serveQueue against a real redis-server, with real serving processes
// (examples/queue-server.ts) and a client in this process.
import { afterEach, describe, expect, it } from 'vitest';
import { concatMap, exhaustMap, firstValueFrom, lastValueFrom, of, repeat, switchMap, take, toArray } from 'rxjs';
import { fromWorker, WorkerCrashedError } from '../../src/index.js';
import { createQueuePool, serveQueue } from '../../src/bullmq/index.js';
import type { WorkerPool } from '../../src/internal/pool/types.js';
import type { tasks } from '../../examples/queue-tasks.js';
import { redisHarness, sleep, waitFor, type Replica } from '../redis/harness.js';

const redis = redisHarness('q');
let queues = 0;
const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.terminate()));
});

const connection = () => ({ host: '127.0.0.1', port: redis.server.port, maxRetriesPerRequest: null });
const newQueue = () => `q${process.pid}x${++queues}`;

function pool(queue: string, options: { attempts?: number } = {}): WorkerPool<typeof tasks> {
  const p = createQueuePool<typeof tasks>({ connection: connection(), queue, ...options });
  pools.push(p);
  return p;
}

/** A serving process; resolves once it takes jobs. */
async function server(queue: string, concurrency = 1, extra: string[] = []): Promise<Replica> {
  const child = redis.child([queue, String(concurrency), ...extra], 'examples/queue-server.ts');
  await waitFor(() => child.lines.includes('ready') || child.lines.some((l) => l.startsWith('stderr')), 30_000);
  expect(child.lines.filter((l) => l.startsWith('stderr'))).toEqual([]);
  return child;
}

const started = (servers: Replica[], tag: string) => servers.filter((s) => s.lines.includes(`start ${tag}`)).length;

describe('createQueuePool + serveQueue', () => {
  it('runs tasks in the serving processes, values in order, streamed while the handler yields', async () => {
    const queue = newQueue();
    const servers = [await server(queue, 2), await server(queue, 2)];
    const p = pool(queue);
    expect(await lastValueFrom(fromWorker(p, 'add', 2, 3))).toBe(5);
    expect(await lastValueFrom(fromWorker(p, 'count', 5).pipe(toArray()))).toEqual([1, 2, 3, 4, 5]);
    // typed arrays travel as themselves (structured clone), not as JSON
    expect(await lastValueFrom(fromWorker(p, 'bytes', new Float64Array([1.5, 2.5])))).toBe(4);
    // 1000 values 20 ms apart would take 20 s if they came at the job's end: take(3) ends at once
    expect(await lastValueFrom(fromWorker(p, 'countSlowly', 1000, 20, 'stream').pipe(take(3), toArray()))).toEqual([1, 2, 3]);
    const pids = new Set(await Promise.all(Array.from({ length: 40 }, () => lastValueFrom(fromWorker(p, 'pid')))));
    expect([...pids].sort()).toEqual(servers.map((s) => s.process.pid).sort());
    expect(p.stats).toEqual({ workers: 0, busy: 0, queued: 0 });
  }, 60_000);

  it("errors keep the handler's name, message and stack", async () => {
    const queue = newQueue();
    await server(queue);
    const error = await lastValueFrom(fromWorker(pool(queue), 'fail', 'boom')).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('CustomError');
    expect((error as Error).message).toBe('boom');
    expect((error as Error).stack).toContain('queue-tasks.ts');
  }, 30_000);

  it('a queued job cancelled is removed from the queue and never runs', async () => {
    const queue = newQueue();
    const s = await server(queue, 1);
    const p = pool(queue);
    const blocker = fromWorker(p, 'wait', 'blocker', 60_000).subscribe({ error: () => undefined });
    await waitFor(() => s.lines.includes('start blocker'));
    const values: unknown[] = [];
    const queued = fromWorker(p, 'wait', 'queued', 10).subscribe({ next: (v) => values.push(v), error: (e) => values.push(e), complete: () => values.push('complete') });
    await waitFor(() => p.stats.queued === 1);
    await sleep(50); // the job is in Redis now (its add has returned)
    const r = redis.client();
    const waiting = await r.llen(`bull:${queue}:wait`);
    queued.unsubscribe();
    await waitFor(async () => (await r.llen(`bull:${queue}:wait`)) === waiting - 1);
    blocker.unsubscribe();
    await waitFor(() => s.lines.includes('aborted blocker'));
    // the process is free: the next job runs there, and the cancelled one never did
    expect(await lastValueFrom(fromWorker(p, 'wait', 'after', 1))).toBe('after');
    expect(s.lines.filter((l) => l.startsWith('start'))).toEqual(['start blocker', 'start after']);
    expect(values).toEqual([]);
    expect(p.stats).toEqual({ workers: 0, busy: 0, queued: 0 });
  }, 30_000);

  it('a running job cancelled from the client aborts where it runs, even in a synchronous loop; the process takes the next job', async () => {
    const queue = newQueue();
    const s = await server(queue, 1);
    const p = pool(queue);
    const spinning = fromWorker(p, 'spinPolitely', 'sync').subscribe({ error: () => undefined });
    await waitFor(() => s.lines.includes('start sync'));
    // a synchronous handler that holds its thread cannot say it started: it counts as queued
    expect(p.stats).toEqual({ workers: 0, busy: 0, queued: 1 });
    spinning.unsubscribe();
    await waitFor(() => s.lines.includes('aborted sync'));
    expect(await lastValueFrom(fromWorker(p, 'pid'))).toBe(s.process.pid);
    // and an async handler through ctx.signal
    const waiting = fromWorker(p, 'wait', 'async', 60_000).subscribe({ error: () => undefined });
    await waitFor(() => s.lines.includes('start async'));
    await waitFor(() => p.stats.busy === 1);
    expect(p.stats).toEqual({ workers: 1, busy: 1, queued: 0 });
    waiting.unsubscribe();
    await waitFor(() => s.lines.includes('aborted async'));
    expect(await lastValueFrom(fromWorker(p, 'add', 1, 1))).toBe(2);
  }, 30_000);

  it('a cancel published while the listener reconnects is not lost: the listener reads it from the cancel log once it is back', async () => {
    const queue = newQueue();
    const s = await server(queue, 1);
    const p = pool(queue);
    const waiting = fromWorker(p, 'wait', 'dropped', 60_000).subscribe({ error: () => undefined });
    await waitFor(() => s.lines.includes('start dropped'));
    await waitFor(() => p.stats.busy === 1);
    // the listener's connection dropped (as by a restart or a network blip): Redis has no subscriber
    // for the cancel channel until the client reconnects
    const inspector = redis.client();
    expect(Number(await inspector.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThan(0);
    expect(await inspector.call('PUBSUB', 'NUMSUB', `bull:${queue}:rxc:cancel`)).toEqual([`bull:${queue}:rxc:cancel`, 0]);
    waiting.unsubscribe();
    await waitFor(() => s.lines.includes('aborted dropped'), 10_000);
    expect(await lastValueFrom(fromWorker(p, 'add', 1, 1))).toBe(2);
  }, 30_000);

  it('a loop that ignores its cancel is terminated when jobs run on threads (serveQueue given a WorkerPool)', async () => {
    const queue = newQueue();
    const s = await server(queue, 1, ['threads']);
    const p = pool(queue);
    const spinning = fromWorker(p, 'spin', 'rude').subscribe({ error: () => undefined });
    await waitFor(() => s.lines.includes('start rude'));
    spinning.unsubscribe();
    // the job ended at the cancel; the thread is terminated after cancelGrace and the next job runs
    expect(await lastValueFrom(fromWorker(p, 'add', 20, 22))).toBe(42);
    expect(await lastValueFrom(fromWorker(p, 'count', 3).pipe(toArray()))).toEqual([1, 2, 3]);
  }, 60_000);

  it("a process killed mid-job errors that job with WorkerCrashedError (the pool's lock watch or a survivor's stall check finds it); the job does not run again", async () => {
    const queue = newQueue();
    const servers = [await server(queue, 1, ['-', '1000', '300']), await server(queue, 1, ['-', '1000', '300'])];
    const p = pool(queue);
    const result = lastValueFrom(fromWorker(p, 'wait', 'victim', 60_000)).catch((e: unknown) => e);
    await waitFor(() => started(servers, 'victim') === 1);
    const victim = servers.find((s) => s.lines.includes('start victim'))!;
    victim.process.kill('SIGKILL');
    const error = await result;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    // the survivor takes new jobs, and the dead job never ran again
    expect(await lastValueFrom(fromWorker(p, 'add', 1, 2))).toBe(3);
    // the pool may find the expired lock before the survivor's stall check does: that check then
    // takes the job out of the active list and fails it, without running it
    const r = redis.client();
    await waitFor(async () => (await r.llen(`bull:${queue}:active`)) === 0, 10_000);
    await sleep(300);
    expect(started(servers, 'victim')).toBe(1);
  }, 30_000);

  it('the only serving process killed mid-job: the pool itself finds the expired lock and errors the job with WorkerCrashedError; a process started later does not run it again', async () => {
    const queue = newQueue();
    const lone = await server(queue, 1, ['-', '1000', '300']);
    const p = pool(queue);
    const result = lastValueFrom(fromWorker(p, 'wait', 'alone', 60_000)).catch((e: unknown) => e);
    await waitFor(() => lone.lines.includes('start alone'));
    lone.process.kill('SIGKILL');
    await lone.exit;
    // nobody is left to run BullMQ's stall check: within about 1.25 × lockDuration the pool finds it
    const error = await Promise.race([result, sleep(10_000).then(() => 'no error within 10 s')]);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(p.stats).toEqual({ workers: 0, busy: 0, queued: 0 });
    // a process started afterwards serves new jobs, and its stall check fails the dead job for good
    const later = await server(queue, 1, ['-', '1000', '300']);
    expect(await lastValueFrom(fromWorker(p, 'add', 2, 2))).toBe(4);
    const r = redis.client();
    await waitFor(async () => (await r.llen(`bull:${queue}:active`)) === 0, 10_000);
    await sleep(500);
    expect(later.lines).not.toContain('start alone');
  }, 40_000);

  it('close() lets the running job finish, then the process stops taking jobs', async () => {
    const queue = newQueue();
    const s = await server(queue, 1);
    const p = pool(queue);
    const result = lastValueFrom(fromWorker(p, 'wait', 'drain', 300));
    await waitFor(() => s.lines.includes('start drain'));
    s.process.kill('SIGTERM');
    expect(await result).toBe('drain');
    expect(await s.exit).toBe(0);
    expect(s.lines.indexOf('closed')).toBeGreaterThan(s.lines.indexOf('start drain'));
    // a job sent now waits in the queue for a process
    const late = fromWorker(p, 'add', 1, 1).subscribe({ error: () => undefined });
    await sleep(200);
    expect(p.stats.queued).toBe(1);
    late.unsubscribe();
  }, 30_000);

  it('composes: inside concatMap/switchMap/exhaustMap, under repeat, take(1) of an endless source, re-subscribed from complete', async () => {
    const queue = newQueue();
    await server(queue, 2);
    const p = pool(queue);
    expect(await lastValueFrom(of(1, 2, 3).pipe(concatMap((n) => fromWorker(p, 'add', n, 10)), toArray()))).toEqual([11, 12, 13]);
    expect(await lastValueFrom(of(1, 2, 3).pipe(switchMap((n) => fromWorker(p, 'add', n, 10)), toArray()))).toEqual([13]);
    expect(await lastValueFrom(of(1, 2, 3).pipe(exhaustMap((n) => fromWorker(p, 'add', n, 10)), toArray()))).toEqual([11]);
    expect(await lastValueFrom(fromWorker(p, 'add', 1, 1).pipe(repeat(3), toArray()))).toEqual([2, 2, 2]);
    expect(await firstValueFrom(fromWorker(p, 'count', 1e9))).toBe(1);
    const again = await new Promise<unknown[]>((resolve) => {
      const seen: unknown[] = [];
      const run = (left: number): void => void fromWorker(p, 'add', left, 0).subscribe({ next: (v) => seen.push(v), complete: () => (left > 1 ? run(left - 1) : resolve(seen)) });
      run(3);
    });
    expect(again).toEqual([3, 2, 1]);
    await waitFor(() => p.stats.busy + p.stats.queued === 0);
  }, 60_000);

  it('Redis unreachable: a task errors with the connection error, serveQueue rejects; nothing hangs', async () => {
    const dead = { host: '127.0.0.1', port: 1, maxRetriesPerRequest: null };
    const p = createQueuePool({ connection: dead, queue: newQueue() });
    const error = await lastValueFrom(fromWorker(p, 'add', 1, 2)).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(p.stats).toEqual({ workers: 0, busy: 0, queued: 0 });
    await p.terminate();
    await expect(serveQueue({ add: (a: number) => a }, { connection: dead, queue: newQueue() })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('validates its arguments with errors that name the function and the parameter', async () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    // @ts-expect-error wrong on purpose
    expect(bad(() => createQueuePool({ connection: connection() }))).toMatch(/^TypeError: createQueuePool: options\.queue must be/);
    // @ts-expect-error wrong on purpose
    expect(bad(() => createQueuePool({ queue: 'q' }))).toMatch(/^TypeError: createQueuePool: options\.connection must be/);
    expect(bad(() => createQueuePool({ connection: connection(), queue: 'a:b' }))).toMatch(/^TypeError: createQueuePool: options\.queue/);
    expect(bad(() => createQueuePool({ connection: connection(), queue: 'q', attempts: 0 }))).toMatch(/^RangeError: createQueuePool: options\.attempts must be an integer from 1 up, got 0/);
    expect(bad(() => createQueuePool({ connection: connection(), queue: 'q', attempts: '2' as never }))).toMatch(/^TypeError: createQueuePool: options\.attempts must be an integer from 1 up, got '2'/);
    // @ts-expect-error wrong on purpose
    await expect(serveQueue(null, { connection: connection(), queue: 'q' })).rejects.toThrow(/^serveQueue: tasks must be/);
    await expect(serveQueue({ a: 1 } as never, { connection: connection(), queue: 'q' })).rejects.toThrow(/^serveQueue: tasks\.a must be a function/);
    await expect(serveQueue({}, { connection: connection(), queue: 'q', concurrency: 0 })).rejects.toThrow(RangeError);
    // an inline function is not a task of a worker module
    const p = pool(newQueue());
    const errors: unknown[] = [];
    p.run({ fn: '() => 1', args: [] }, { next: () => undefined, error: (e) => errors.push(e), complete: () => undefined });
    expect(errors).toEqual([expect.any(TypeError)]);
  });
});
