// A fast-check property over random schedules of submit, cancel and process death, with real
// serving processes and a real Redis: every subscriber ends exactly once (or not at all once it
// unsubscribed), no job runs twice, a cancelled running job is aborted where it runs, and nothing is
// left in the queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Subscription } from 'rxjs';
import { fromWorker, WorkerCrashedError } from '../../src/index.js';
import { createQueuePool } from '../../src/bullmq/index.js';
import type { WorkerPool } from '../../src/internal/pool/types.js';
import type { tasks } from '../../examples/queue-tasks.js';
import { redisHarness, sleep, waitFor, type Replica } from '../redis/harness.js';

const redis = redisHarness('qp');
const SOAK = process.env.SOAK === '1';
const queue = `qp${process.pid}`;
// short lock and stall check: a killed process's job is found within about a second
const serverArgs = [queue, '2', '-', '1000', '300'];
let servers: Replica[] = [];
let pool: WorkerPool<typeof tasks>;

async function startServer(): Promise<Replica> {
  const child = redis.child(serverArgs, 'examples/queue-server.ts');
  await waitFor(() => child.lines.includes('ready'), 30_000);
  return child;
}

beforeAll(async () => {
  servers = await Promise.all([startServer(), startServer()]);
  pool = createQueuePool<typeof tasks>({ connection: { host: '127.0.0.1', port: redis.server.port, maxRetriesPerRequest: null }, queue });
}, 60_000);
afterAll(async () => {
  await pool?.terminate();
});

type Op = { kind: 'submit'; ms: number; gap: number } | { kind: 'cancel'; index: number; gap: number } | { kind: 'kill'; server: number; gap: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('submit' as const), ms: fc.integer({ min: 0, max: 80 }), gap: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cancel' as const), index: fc.nat(), gap: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const), server: fc.nat(), gap: fc.integer({ min: 0, max: 40 }) }) },
);

interface Run {
  readonly tag: string;
  readonly events: string[];
  subscription: Subscription;
  cancelled: boolean;
  ended: boolean;
}

let round = 0;

describe('createQueuePool + serveQueue, random schedules', () => {
  it('every subscriber ends exactly once, no job runs twice, cancelled jobs abort, nothing is left queued', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }).filter((ops) => ops.filter((o) => o.kind === 'kill').length <= 1), async (ops) => {
        round++;
        const runs: Run[] = [];
        const everyServer = [...servers];
        let killed = false;
        for (const [i, o] of ops.entries()) {
          if (o.kind === 'submit') {
            const run: Run = { tag: `r${round}-${i}`, events: [], subscription: undefined as never, cancelled: false, ended: false };
            run.subscription = fromWorker(pool, 'wait', run.tag, o.ms).subscribe({
              next: (v) => run.events.push(run.cancelled ? 'next after cancel' : `next ${String(v)}`),
              error: (e: Error) => {
                run.events.push(run.cancelled ? 'error after cancel' : `error ${e instanceof WorkerCrashedError ? 'crashed' : e.message}`);
                run.ended = true;
              },
              complete: () => {
                run.events.push(run.cancelled ? 'complete after cancel' : 'complete');
                run.ended = true;
              },
            });
            runs.push(run);
          } else if (o.kind === 'cancel' && runs.length > 0) {
            const run = runs[o.index % runs.length]!;
            if (!run.ended && !run.cancelled) {
              run.cancelled = true;
              run.subscription.unsubscribe();
            }
          } else if (o.kind === 'kill') {
            const victim = servers[o.server % servers.length]!;
            victim.process.kill('SIGKILL');
            killed = true;
            servers = servers.filter((s) => s !== victim);
            const fresh = await startServer();
            servers.push(fresh);
            everyServer.push(fresh);
          }
          await sleep(o.gap);
        }
        // every subscriber that stayed ends, and once
        await waitFor(() => runs.every((r) => r.cancelled || r.ended), 20_000);
        for (const run of runs) {
          if (run.cancelled) {
            expect(run.events.filter((e) => e.includes('after cancel')), run.tag).toEqual([]);
            expect(run.events.length, run.tag).toBeLessThanOrEqual(1);
          } else {
            const expected = [[`next ${run.tag}`, 'complete'], ...(killed ? [['error crashed']] : [])];
            expect(expected, `${run.tag}: ${run.events.join(', ')}`).toContainEqual(run.events);
          }
        }
        // no job started twice, in any process (a stalled job is not run again)
        const starts = everyServer.flatMap((s) => s.lines.filter((l) => l.startsWith(`start r${round}-`)));
        expect(new Set(starts).size).toBe(starts.length);
        // a cancelled job that started in a live process was aborted there, or had just ended
        for (const run of runs.filter((r) => r.cancelled)) {
          const host = servers.find((s) => s.lines.includes(`start ${run.tag}`));
          if (host) await waitFor(() => host.lines.includes(`aborted ${run.tag}`) || host.lines.includes(`done ${run.tag}`), 5000);
        }
        // nothing is left waiting or running in Redis
        const client = redis.client();
        await waitFor(async () => (await client.llen(`bull:${queue}:active`)) + (await client.llen(`bull:${queue}:wait`)) === 0, 10_000);
        await client.quit();
        expect(pool.stats).toEqual({ workers: 0, busy: 0, queued: 0 });
      }),
      { numRuns: SOAK ? 60 : 10, endOnFailure: true },
    );
  }, SOAK ? 900_000 : 180_000);
});
