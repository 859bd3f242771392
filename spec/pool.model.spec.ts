// A model-based test of the worker pool: random command sequences (submit, cancel while queued or
// running, complete, fail, crash, re-subscribe inside completion, terminate) run against the pool
// and a small reference model. After every command the pool must agree with the model: FIFO start
// order (exactly the tasks the model says run are running), never more than `size` busy, `stats`
// as the model counts; at the end every subscriber has ended exactly once.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { Observable, type Subscriber, type Subscription } from 'rxjs';
import { createWorkerPool, fromWorker, type WorkerPool } from '../src/index.js';
import { inProcessPool } from '../src/testing/index.js';
import { inspectPool } from '../src/internal/pool/pool.js';
import type { tasks } from './fixtures/tasks.worker.js';
import { buildWorker } from '../scripts/build-worker.js';

const SOAK = !!process.env.SOAK;

type Outcome = 'complete' | 'fail' | 'crash';
type Command =
  | { readonly t: 'submit'; readonly again: boolean }
  | { readonly t: 'cancel'; readonly pick: number }
  | { readonly t: 'end'; readonly pick: number; readonly outcome: Outcome }
  | { readonly t: 'terminate' };

interface ModelJob {
  readonly key: number;
  state: 'queued' | 'running' | 'ended';
  readonly again: boolean;
}

/** What the pool should be doing: FIFO, at most `size` running, re-subscription queued last. */
class Model {
  readonly jobs: ModelJob[] = [];
  terminated = false;
  constructor(readonly size: number) {}

  get running(): ModelJob[] {
    return this.jobs.filter((j) => j.state === 'running');
  }
  get queued(): ModelJob[] {
    return this.jobs.filter((j) => j.state === 'queued');
  }

  submit(again: boolean): ModelJob {
    const job: ModelJob = { key: this.jobs.length, state: 'queued', again };
    this.jobs.push(job);
    if (this.terminated) job.state = 'ended';
    else if (this.queued.length === 1 && this.running.length < this.size) job.state = 'running';
    return job;
  }

  /** A job ends: its worker goes to the head of the queue first, then its subscriber may re-subscribe. */
  end(job: ModelJob, completed: boolean): void {
    job.state = 'ended';
    for (const next of this.queued) if (this.running.length < this.size) next.state = 'running';
    if (completed && job.again) this.submit(false);
  }
}

/** One real subscriber's log. */
interface Log {
  nexts: number;
  ends: string[];
  cancelled: boolean;
}

/** How a test drives the tasks of one kind of pool. */
interface Driver {
  readonly pool: WorkerPool<typeof tasks>;
  task(key: number): Observable<number>;
  /** Keys whose handler is running now. */
  runningKeys(): number[];
  order(key: number, outcome: Outcome): void;
  /** Waits until `check` holds (a real pool answers asynchronously). */
  settle(check: () => boolean): Promise<void>;
  readonly canCrash: boolean;
  /** Set when the pool was terminated: its threads died without running their handlers' `finally`. */
  terminated?: boolean;
}

async function runSequence(driver: Driver, size: number, commands: readonly Command[]): Promise<void> {
  const model = new Model(size);
  const logs: Log[] = [];
  const subs: (Subscription | undefined)[] = [];

  const subscribe = (job: ModelJob) => {
    const log: Log = { nexts: 0, ends: [], cancelled: false };
    logs[job.key] = log;
    subs[job.key] = driver.task(job.key).subscribe({
      next: () => log.nexts++,
      error: () => log.ends.push('error'),
      complete: () => {
        log.ends.push('complete');
        // re-subscribe from inside the completion, as concatMap and repeat do
        if (job.again && !model.terminated) subscribe(model.jobs[model.jobs.length - 1]!);
      },
    });
  };

  const agrees = () => {
    const stats = driver.pool.stats;
    const running = model.running.map((j) => j.key).sort((a, b) => a - b);
    return (
      JSON.stringify(driver.runningKeys().sort((a, b) => a - b)) === JSON.stringify(running) &&
      stats.busy === running.length &&
      stats.queued === model.queued.length
    );
  };
  const describeState = () =>
    `model running ${JSON.stringify(model.running.map((j) => j.key))}, queued ${JSON.stringify(model.queued.map((j) => j.key))}; ` +
    `pool running ${JSON.stringify(driver.runningKeys())}, stats ${JSON.stringify(driver.pool.stats)}`;

  for (const command of commands) {
    if (command.t === 'submit') {
      const job = model.submit(command.again);
      subscribe(job);
    } else if (command.t === 'terminate') {
      model.terminated = true;
      for (const job of model.jobs) job.state = 'ended';
      driver.terminated = true;
      await driver.pool.terminate();
    } else {
      const live = command.t === 'cancel' ? model.jobs.filter((j) => j.state !== 'ended') : model.running;
      if (live.length === 0) continue;
      const job = live[command.pick % live.length]!;
      if (command.t === 'cancel') {
        logs[job.key]!.cancelled = true;
        subs[job.key]!.unsubscribe();
        model.end(job, false);
      } else {
        if (command.outcome === 'crash' && !driver.canCrash) continue;
        // the model first: a completion may re-subscribe at once, and takes the model's newest job
        model.end(job, command.outcome === 'complete');
        driver.order(job.key, command.outcome);
      }
    }
    await driver.settle(agrees).catch(() => {
      throw new Error(`after ${JSON.stringify(command)}: ${describeState()}`);
    });
    expect(driver.pool.stats.busy).toBeLessThanOrEqual(size);
  }

  // every job still alive is cancelled; then each subscriber has ended exactly once, or was cancelled
  for (const job of model.jobs) {
    if (job.state === 'ended') continue;
    logs[job.key]!.cancelled = true;
    subs[job.key]!.unsubscribe();
    model.end(job, false);
  }
  await driver.settle(() => driver.pool.stats.busy === 0 && driver.pool.stats.queued === 0);
  for (const [key, log] of logs.entries()) {
    if (log.cancelled && log.ends.length === 0) continue;
    expect({ key, ends: log.ends }).toEqual({ key, ends: [log.ends[0] ?? 'an end'] });
    expect(log.ends.length).toBe(1);
  }
  if (!model.terminated) expect(inspectPool(driver.pool).every((s) => !s.busy && !s.referenced)).toBe(true);
}

const commandArb = (canCrash: boolean) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant('submit' as const), again: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('cancel' as const), pick: fc.nat(20) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('end' as const),
        pick: fc.nat(20),
        outcome: canCrash ? fc.constantFrom<Outcome>('complete', 'complete', 'fail', 'crash') : fc.constantFrom<Outcome>('complete', 'complete', 'fail'),
      }),
    },
  );

const sequenceArb = (canCrash: boolean, maxLength: number) =>
  fc.tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.array(commandArb(canCrash), { minLength: 1, maxLength }),
    fc.boolean(),
  ).map(([size, commands, terminate]) => [size, terminate ? [...commands, { t: 'terminate' as const }] : commands] as const);

describe('the worker pool against a reference model', () => {
  it('inProcessPool: hundreds of random command sequences', async () => {
    await fc.assert(
      fc.asyncProperty(sequenceArb(false, 25), async ([size, commands]) => {
        const handlers = new Map<number, Subscriber<number>>();
        const pool = inProcessPool(
          {
            held: (key: number) =>
              new Observable<number>((subscriber) => {
                handlers.set(key, subscriber);
                return () => handlers.delete(key);
              }),
          },
          { size },
        ) as unknown as WorkerPool<typeof tasks>;
        const driver: Driver = {
          pool,
          task: (key) => fromWorker(pool as unknown as WorkerPool<{ held: (key: number) => Observable<number> }>, 'held', key) as Observable<number>,
          runningKeys: () => [...handlers.keys()],
          order: (key, outcome) => {
            const subscriber = handlers.get(key)!;
            if (outcome === 'fail') return subscriber.error(new Error(`task ${key} failed`));
            subscriber.next(key);
            subscriber.complete();
          },
          settle: async (check) => {
            if (!check()) throw new Error('disagrees');
          },
          canCrash: false,
        };
        await runSequence(driver, size, commands);
      }),
      { numRuns: SOAK ? 3000 : 300 },
    );
  });

  describe('createWorkerPool with real worker threads', () => {
    let url: URL;
    const pools: WorkerPool<typeof tasks>[] = [];
    beforeAll(async () => {
      url = await buildWorker('spec/fixtures/tasks.worker.ts');
    });
    afterAll(async () => {
      await Promise.all(pools.map((p) => p.terminate()));
    });

    it('random command sequences, crashes included', { timeout: SOAK ? 600_000 : 120_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(sequenceArb(true, 12), async ([size, commands]) => {
          const shared = new SharedArrayBuffer(4 * 2 * 64);
          const cells = new Int32Array(shared);
          const crashed = new Set<number>();
          const pool = createWorkerPool<typeof tasks>(url, { size, cancelGrace: 2000 });
          pools.push(pool);
          const driver: Driver = {
            pool,
            task: (key) => fromWorker(pool, 'held', shared, key),
            runningKeys: () => {
              const keys: number[] = [];
              if (driver.terminated) return keys;
              for (let key = 0; key < 64; key++) if (Atomics.load(cells, key * 2) === 1 && !crashed.has(key)) keys.push(key);
              return keys;
            },
            order: (key, outcome) => {
              if (outcome === 'crash') crashed.add(key);
              Atomics.store(cells, key * 2 + 1, outcome === 'complete' ? 1 : outcome === 'fail' ? 2 : 3);
            },
            // a real pool answers through messages and thread starts: give it time, generously on a
            // loaded machine, but a disagreement still fails well inside the test's timeout
            settle: async (check) => {
              const end = Date.now() + 5000;
              while (!check()) {
                if (Date.now() > end) throw new Error('disagrees');
                await new Promise((resolve) => setTimeout(resolve, 2));
              }
            },
            canCrash: true,
          };
          await runSequence(driver, size, commands);
          await pool.terminate();
        }),
        { numRuns: SOAK ? 600 : 60 },
      );
    });
  });
});
