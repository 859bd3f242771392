// Keyed limits, measured on the packed package (bench/harness.ts packedPackage): the noisy neighbour (one key queues thousands, nine others a few), the overhead of
// a key when there is only one, and the cost per section at 10^5 keys against 10^3.
//
// Peers, each called the way its own docs show: one shared FIFO `Semaphore(4)` (what a service has
// without keys), p-queue (`new PQueue({ concurrency: 4 })`, `queue.add(fn)`: one FIFO queue too), and
// Bottleneck's `Group` (`group.key(k).schedule(fn)`: a limiter per key, 4 at once each — it has no
// shared global limit, so it runs more at once than the others; its figures show what per-key
// limiters without a global one give).
import Bottleneck from 'bottleneck';
import PQueue from 'p-queue';
import { Subject, count, lastValueFrom, merge, of, range, timer } from 'rxjs';
import { packedPackage, pair, percentile, quick, record } from './harness.js';

type Api = Awaited<ReturnType<typeof packedPackage>>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Job {
  readonly key: string;
  readonly queued: number;
}

interface Outcome {
  /** ms from queueing to completion, for the quiet keys' sections */
  readonly quiet: number[];
  /** the order in which sections started, by key, from the moment every key had queued */
  readonly starts: string[];
  readonly elapsed: number;
}

/** Key 'noisy' queues `noisy` sections, then nine quiet keys `quiet` each; every section takes 2 ms. */
async function neighbours(noisy: number, quietEach: number, run: (jobs: Job[], started: (key: string) => void) => Promise<number[]>): Promise<Outcome> {
  const t0 = performance.now();
  const jobs: Job[] = [];
  for (let i = 0; i < noisy; i++) jobs.push({ key: 'noisy', queued: t0 });
  for (let q = 1; q <= 9; q++) for (let i = 0; i < quietEach; i++) jobs.push({ key: `quiet-${q}`, queued: t0 });
  const starts: string[] = [];
  // every runner queues all the jobs synchronously: what started before that (the first four of the
  // noisy key, before any other key existed) is not a turn taken from anyone
  const running = run(jobs, (key) => starts.push(key));
  const before = starts.length;
  const done = await running;
  const quiet = jobs.flatMap((job, i) => (job.key === 'noisy' ? [] : [done[i]! - job.queued]));
  return { quiet, starts: starts.slice(before), elapsed: performance.now() - t0 };
}

const body = (started: () => void) => {
  started();
  return sleep(2);
};

/** Each runner takes the jobs and gives back, per job, the time it completed. */
const runnersOf = ({ KeyedSemaphore, Semaphore }: Api): Record<string, (jobs: Job[], started: (key: string) => void) => Promise<number[]>> => ({
  'KeyedSemaphore(4)': async (jobs, started) => {
    const keyed = new KeyedSemaphore<string>({ permits: 4 });
    const done: number[] = [];
    await lastValueFrom(
      merge(...jobs.map((job, i) => keyed.section(job.key, () => body(() => started(job.key)).then(() => (done[i] = performance.now()))))).pipe(count()),
    );
    return done;
  },
  'one shared Semaphore(4)': async (jobs, started) => {
    const sem = new Semaphore(4);
    const done: number[] = [];
    await lastValueFrom(merge(...jobs.map((job, i) => sem.section(() => body(() => started(job.key)).then(() => (done[i] = performance.now()))))).pipe(count()));
    return done;
  },
  'p-queue (concurrency 4)': async (jobs, started) => {
    const queue = new PQueue({ concurrency: 4 });
    const done: number[] = [];
    await Promise.all(jobs.map((job, i) => queue.add(() => body(() => started(job.key)).then(() => (done[i] = performance.now())))));
    return done;
  },
  'Bottleneck Group (4 per key, no global limit)': async (jobs, started) => {
    const group = new Bottleneck.Group({ maxConcurrent: 4 });
    const done: number[] = [];
    await Promise.all(jobs.map((job, i) => group.key(job.key).schedule(() => body(() => started(job.key)).then(() => (done[i] = performance.now())))));
    return done;
  },
});

/**
 * Jain's fairness index of the starts per key, over the stretch in which every key still had a
 * section to start: 1 when they shared evenly, 1/n when one key took everything.
 */
export function jain(starts: string[]): number {
  const remaining = new Map<string, number>();
  for (const key of starts) remaining.set(key, (remaining.get(key) ?? 0) + 1);
  const counts = new Map<string, number>();
  for (const key of starts) {
    if ([...remaining.values()].some((n) => n === 0)) break;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    remaining.set(key, remaining.get(key)! - 1);
  }
  for (const key of remaining.keys()) if (!counts.has(key)) counts.set(key, 0);
  const xs = [...counts.values()];
  const sum = xs.reduce((a, b) => a + b, 0);
  return (sum * sum) / (xs.length * xs.reduce((a, b) => a + b * b, 0));
}

export async function keyedLimits(): Promise<void> {
  const api = await packedPackage();
  const { KeyedSemaphore, Semaphore, semaphoreMap } = api;
  const runners = runnersOf(api);
  const noisy = quick ? 500 : 5000;
  const quietEach = quick ? 5 : 20;
  const outcomes = new Map<string, Outcome>();
  for (const [name, run] of Object.entries(runners)) outcomes.set(name, await neighbours(noisy, quietEach, run));
  const keyed = outcomes.get('KeyedSemaphore(4)')!;
  const p99 = (o: Outcome) => percentile(o.quiet, 0.99);
  for (const [name, outcome] of outcomes) {
    if (name === 'KeyedSemaphore(4)') continue;
    const ratio = p99(keyed) / p99(outcome);
    record({
      group: 'keyed',
      name: `noisy neighbour: quiet keys' p99 completion, ${noisy.toLocaleString('en')} + 9 × ${quietEach} sections of 2 ms`,
      ours: p99(keyed),
      peer: p99(outcome),
      peerName: name,
      unit: 'ms',
      ratio,
      target: name === 'one shared Semaphore(4)' ? '≤ 0.1' : '—',
      met: name === 'one shared Semaphore(4)' ? ratio <= 0.1 : undefined,
      note: `Jain index of the starts while every key waited: ours ${jain(keyed.starts).toFixed(3)}, ${name} ${jain(outcome.starts).toFixed(3)}`,
    });
  }
  const fairness = jain(keyed.starts);
  record({
    group: 'keyed',
    name: 'noisy neighbour: Jain index of the starts per key while every key waits',
    ours: fairness,
    peer: jain(outcomes.get('one shared Semaphore(4)')!.starts),
    peerName: 'one shared Semaphore(4)',
    unit: '',
    ratio: fairness,
    target: '≥ 0.95',
    met: fairness >= 0.95,
  });

  // one key only: what the key costs
  const n = quick ? 50_000 : 500_000;
  await pair({
    group: 'keyed',
    name: `semaphoreMap over KeyedSemaphore(4), one key, ${n.toLocaleString('en')} sync inners`,
    peerName: 'semaphoreMap(Semaphore(4))',
    ours: () => lastValueFrom(range(0, n).pipe(semaphoreMap(new KeyedSemaphore<string>({ permits: 4 }), (x) => of(x), { key: () => 'k' }), count())),
    peer: () => lastValueFrom(range(0, n).pipe(semaphoreMap(new Semaphore(4), (x) => of(x)), count())),
    max: 1.3,
  });

  // one key only, through a keyed rate limiter whose window never binds: what the key costs there
  const { KeyedRateLimiter, RateLimiter, rateLimitMap } = api;
  await pair({
    group: 'keyed',
    name: `rateLimitMap over KeyedRateLimiter, one key, ${n.toLocaleString('en')} sync inners`,
    peerName: 'rateLimitMap(RateLimiter)',
    ours: () => lastValueFrom(range(0, n).pipe(rateLimitMap(new KeyedRateLimiter<string>({ perKey: { limit: 2 * n, interval: 60_000 } }), (x) => of(x), { key: () => 'k' }), count())),
    peer: () => lastValueFrom(range(0, n).pipe(rateLimitMap(new RateLimiter({ limit: 2 * n, interval: 60_000 }), (x) => of(x)), count())),
    max: 1.3,
  });

  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = () => {
    gc?.();
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  // 10^5 keys with one waiter each against 10^3: per-section cost, and the heap once they drained
  const perSection = async (keys: number) => {
    const keyed = new KeyedSemaphore<number>({ permits: 4 });
    const hold = new Subject<never>();
    const holders = [0, 1, 2, 3].map((k) => keyed.section(-1 - k, hold).subscribe());
    let finished = 0;
    for (let k = 0; k < keys; k++) keyed.section(k, of(k)).subscribe({ complete: () => finished++ });
    gc?.(); // the drain alone is timed, not a collection of what the setup left
    const start = performance.now();
    hold.complete();
    const ms = performance.now() - start;
    if (finished !== keys || keyed.keys !== 0) throw new Error(`keyed scale: ${finished} of ${keys} ran, ${keyed.keys} keys left`);
    holders.forEach((h) => h.unsubscribe());
    return (ms * 1e6) / keys;
  };
  const small = quick ? 1_000 : 1_000;
  const large = quick ? 20_000 : 100_000;
  await perSection(large); // warm-up
  const before = heap();
  const ns = { small: [] as number[], large: [] as number[] };
  for (let r = 0; r < (quick ? 3 : 7); r++) {
    ns.small.push(await perSection(small));
    ns.large.push(await perSection(large));
  }
  const after = heap();
  const median = (xs: number[]) => percentile(xs, 0.5);
  const scale = median(ns.large) / median(ns.small);
  record({
    group: 'keyed',
    name: `per section: ${large.toLocaleString('en')} keys with one waiter each / ${small.toLocaleString('en')} keys`,
    ours: median(ns.large),
    peer: median(ns.small),
    peerName: `at ${small.toLocaleString('en')} keys`,
    unit: 'ns',
    ratio: scale,
    target: '≤ 2',
    met: scale <= 2,
  });
  const grown = (after - before) / 2 ** 20;
  record({
    group: 'keyed',
    name: `heap after ${large.toLocaleString('en')} keys drained, against before (MB)`,
    ours: grown,
    peer: NaN,
    peerName: gc ? 'before' : 'no --expose-gc: not measured',
    unit: 'MB',
    ratio: grown,
    target: '≤ 1',
    met: gc ? grown <= 1 : undefined,
  });
  await lastValueFrom(timer(0));
}
