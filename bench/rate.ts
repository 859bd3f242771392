// The rate limiter against p-queue and Bottleneck, and against semaphoreMap for its own overhead.
import Bottleneck from 'bottleneck';
import PQueue from 'p-queue';
import { count, defer, lastValueFrom, of, range, type Observable } from 'rxjs';
import { RateLimiter, Semaphore, rateLimitMap, semaphoreMap } from '../src/index.js';
import { pair, quick, record } from './harness.js';

const drain = <T>(o: Observable<T>) => lastValueFrom(o.pipe(count()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The most starts in any half-open span of `interval` ms. */
function worstWindow(starts: readonly number[], interval: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! <= sorted[i]! - interval) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/**
 * The same burst for every limiter: a window's worth of tasks, most of them late in it, and `limit`
 * more right after its edge, where a fixed window or a refilled bucket lets both through at once.
 */
async function burst(add: (task: () => Promise<void>) => void, interval: number, limit: number, lead: number): Promise<number> {
  const starts: number[] = [];
  const done: Promise<void>[] = [];
  // the clock all three limiters keep their windows by (whole milliseconds): a finer clock would
  // count two starts 199.2 ms apart as one span, though the limiter saw 200 ms between them
  const task = () => {
    starts.push(Date.now());
    return Promise.resolve();
  };
  const submit = (n: number) => {
    for (let i = 0; i < n; i++) done.push(new Promise<void>((resolve) => add(() => task().then(resolve))));
  };
  // one start opens the fixed window (p-queue) or the bucket's period (Bottleneck), the rest of the
  // limit comes late in it, and a whole limit again just after its edge
  submit(1);
  await sleep(lead);
  submit(limit - 1);
  await sleep(interval - lead + 2);
  submit(limit);
  await Promise.all(done);
  return worstWindow(starts, interval);
}

export async function rateLimits(): Promise<void> {
  const n = quick ? 100_000 : 300_000;
  const label = n.toLocaleString('en');
  // the same work through a shared limiter of each kind: a window never full, a semaphore never full
  await pair({
    group: 'rate',
    name: `rateLimitMap(shared RateLimiter, window never full) vs semaphoreMap(shared Semaphore), ${label} values`,
    peerName: 'semaphoreMap(Semaphore)',
    ours: () => drain(range(0, n).pipe(rateLimitMap(new RateLimiter({ limit: 1e9, interval: 1000 }), (x) => of(x)))),
    peer: () => drain(range(0, n).pipe(semaphoreMap(new Semaphore(1e9), (x) => of(x)))),
    max: 1.2,
  });

  const m = quick ? 20_000 : 100_000;
  await pair({
    group: 'rate',
    name: `${m.toLocaleString('en')} async sections through a limiter that is not the bottleneck`,
    peerName: 'p-queue intervalCap',
    ours: () => {
      const limiter = new RateLimiter({ limit: 1e9, interval: 1000 });
      return Promise.all(Array.from({ length: m }, (_, i) => lastValueFrom(limiter.section(defer(() => Promise.resolve(i))))));
    },
    peer: () => {
      const queue = new PQueue({ intervalCap: 1e9, interval: 1000 });
      return Promise.all(Array.from({ length: m }, (_, i) => queue.add(() => Promise.resolve(i))));
    },
    rounds: quick ? 3 : 7,
  });

  // the worst window: 10 per 200 ms, a burst at the edge
  const interval = 200;
  const limit = 10;
  const ours = await burst(
    (() => {
      const limiter = new RateLimiter({ limit, interval });
      return (task) => void limiter.section(defer(task)).subscribe();
    })(),
    interval,
    limit,
    interval - 20,
  );
  const pq = await burst(
    (() => {
      const queue = new PQueue({ intervalCap: limit, interval });
      return (task) => void queue.add(task);
    })(),
    interval,
    limit,
    interval - 20,
  );
  const reservoir = await burst(
    (() => {
      const limiter = new Bottleneck({ reservoir: limit, reservoirRefreshAmount: limit, reservoirRefreshInterval: interval });
      return (task) => void limiter.schedule(task);
    })(),
    interval,
    limit,
    interval - 20,
  );
  const minTime = await burst(
    (() => {
      const limiter = new Bottleneck({ minTime: interval / limit });
      return (task) => void limiter.schedule(task);
    })(),
    interval,
    limit,
    interval - 20,
  );
  const note = (peer: string, value: number) =>
    record({ group: 'rate', name: `most starts in any ${interval} ms, limit ${limit}: ours vs ${peer}`, ours, peer: value, peerName: peer, unit: 'starts', ratio: ours / value, target: `ours = ${limit}`, met: ours === limit });
  note('p-queue intervalCap', pq);
  note('Bottleneck reservoir', reservoir);
  note('Bottleneck minTime', minTime);

  // cancelling queued waiters in random order: per waiter at 10^5 vs at 10^3
  const perWaiter = async (k: number) => {
    const rounds = Math.max(1, Math.round(100_000 / k));
    const limiter = new RateLimiter({ limit: 1, interval: 1e6 });
    const hold = limiter.section(new Promise(() => undefined)).subscribe();
    const order = Array.from({ length: k }, (_, i) => i);
    for (let i = k - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const start = performance.now();
    for (let r = 0; r < rounds; r++) {
      const subs = Array.from({ length: k }, () => limiter.section(of(1)).subscribe());
      for (const i of order) subs[i]!.unsubscribe();
    }
    const ns = ((performance.now() - start) * 1e6) / (rounds * k);
    hold.unsubscribe();
    return ns;
  };
  await perWaiter(1000);
  const small = await perWaiter(1000);
  const large = await perWaiter(100_000);
  record({ group: 'rate', name: 'cancel queued waiters in random order: per waiter at 10^5 / at 10^3', ours: large, peer: small, peerName: 'ours at 10^3', unit: 'ns', ratio: large / small, target: '≤ 4', met: large / small <= 4 });
}
