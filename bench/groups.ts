import { Mutex, Semaphore as AsyncSemaphore } from 'async-mutex';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';
import { Piscina } from 'piscina';
import {
  Subject,
  count,
  toArray,
  forkJoin,
  lastValueFrom,
  merge,
  mergeMap,
  of,
  race,
  range,
  type Subscription,
} from 'rxjs';
import workerpool from 'workerpool';
import { Tinypool } from 'tinypool';
import { Lock, Semaphore, createWorkerPool, fromWorker, gatherSettled, lockedSection, mergeAsCompleted, raceFirst, semaphoreMap, transfer } from '../src/index.js';
import { Queue, type Linked } from '../src/internal/core/queue.js';
import { buildWorker } from '../scripts/build-worker.js';
import { pair, percentile, quick, record } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const drain = <T>(o: import('rxjs').Observable<T>) => lastValueFrom(o.pipe(count()));

export async function semaphoreMapVsMergeMap(): Promise<void> {
  const n = quick ? 100_000 : 1_000_000;
  await pair({
    group: 'throughput',
    name: `semaphoreMap(4, x => of(x)) vs mergeMap, ${n.toLocaleString('en')} values`,
    peerName: 'mergeMap(…, 4)',
    ours: () => drain(range(0, n).pipe(semaphoreMap(4, (x) => of(x)))),
    peer: () => drain(range(0, n).pipe(mergeMap((x) => of(x), 4))),
    max: 1.15,
  });
  const m = quick ? 20_000 : 100_000;
  await pair({
    group: 'throughput',
    name: `semaphoreMap(4, async inner) vs mergeMap, ${m.toLocaleString('en')} values`,
    peerName: 'mergeMap(…, 4)',
    ours: () => drain(range(0, m).pipe(semaphoreMap(4, (x) => Promise.resolve(x)))),
    peer: () => drain(range(0, m).pipe(mergeMap((x) => Promise.resolve(x), 4))),
    max: 1.15,
  });
}

export async function sectionsVsPeers(): Promise<void> {
  const n = quick ? 20_000 : 50_000;
  const ids = Array.from({ length: n }, (_, i) => i);
  const label = n.toLocaleString('en');
  // synchronous bodies: no promise is needed per hand-off
  await pair({
    group: 'sections',
    name: `Lock: lockedSection(lock, x => of(x)), ${label} sync bodies`,
    peerName: 'async-mutex Mutex',
    ours: () => drain(range(0, n).pipe(lockedSection(new Lock(), (x) => of(x)))),
    peer: () => {
      const mutex = new Mutex();
      return Promise.all(ids.map((i) => mutex.runExclusive(() => i)));
    },
    max: 0.2,
  });
  await pair({
    group: 'sections',
    name: `Semaphore(4).section(of(x)), ${label} sync bodies`,
    peerName: 'async-mutex Semaphore',
    ours: () => {
      const sem = new Semaphore(4);
      let done = 0;
      for (const i of ids) sem.section(of(i)).subscribe({ complete: () => done++ });
      return done;
    },
    peer: () => {
      const sem = new AsyncSemaphore(4);
      return Promise.all(ids.map((i) => sem.runExclusive(() => i)));
    },
    max: 0.2,
  });
  await pair({
    group: 'sections',
    name: `Semaphore(4).section(of(x)), ${label} sync bodies`,
    peerName: 'p-limit(4)',
    ours: () => {
      const sem = new Semaphore(4);
      for (const i of ids) sem.section(of(i)).subscribe();
    },
    peer: () => {
      const limit = pLimit(4);
      return Promise.all(ids.map((i) => limit(() => i)));
    },
    max: 0.2,
  });
  // asynchronous bodies: one resolved promise each
  await pair({
    group: 'sections',
    name: `Lock: lockedSection(lock, x => Promise), ${label} async bodies`,
    peerName: 'async-mutex Mutex',
    ours: () => drain(range(0, n).pipe(lockedSection(new Lock(), (x) => Promise.resolve(x)))),
    peer: () => {
      const mutex = new Mutex();
      return Promise.all(ids.map((i) => mutex.runExclusive(() => Promise.resolve(i))));
    },
    max: 0.8,
  });
  // every section subscribed at once, as the peers are called at once; the body a factory that
  // returns the promise, as the docs show a section over a promise-returning call
  const sectionsAtOnce = (sem: Semaphore) =>
    new Promise<void>((resolve) => {
      let left = n;
      for (const i of ids) sem.section(() => Promise.resolve(i)).subscribe({ complete: () => --left || resolve() });
    });
  await pair({
    group: 'sections',
    name: `Semaphore(4).section(Promise), ${label} async bodies`,
    peerName: 'async-mutex Semaphore',
    ours: () => sectionsAtOnce(new Semaphore(4)),
    peer: () => {
      const sem = new AsyncSemaphore(4);
      return Promise.all(ids.map((i) => sem.runExclusive(() => Promise.resolve(i))));
    },
    max: 0.8,
  });
  const pLimitAll = () => {
    const limit = pLimit(4);
    return Promise.all(ids.map((i) => limit(() => Promise.resolve(i))));
  };
  await pair({ group: 'sections', name: `Semaphore(4).section(() => Promise), ${label} async bodies`, peerName: 'p-limit(4)', ours: () => sectionsAtOnce(new Semaphore(4)), peer: pLimitAll, max: 1 });
  // the results gathered as a p-limit user gathers them
  await pair({
    group: 'sections',
    name: `Promise.all of lastValueFrom(Semaphore(4).section(() => Promise)), ${label}`,
    peerName: 'p-limit(4)',
    ours: () => {
      const sem = new Semaphore(4);
      return Promise.all(ids.map((i) => lastValueFrom(sem.section(() => Promise.resolve(i)))));
    },
    peer: pLimitAll,
    max: 1,
  });
  await pair({
    group: 'sections',
    name: `semaphoreMap(4, x => Promise), ${label} values, all results`,
    peerName: 'p-limit(4) + Promise.all',
    ours: () => lastValueFrom(range(0, n).pipe(semaphoreMap(4, (i) => Promise.resolve(i)), toArray())),
    peer: pLimitAll,
    max: 1,
  });
}


function shuffled(n: number): number[] {
  const xs = Array.from({ length: n }, (_, i) => i);
  let seed = 12345;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

export async function waiterScaling(): Promise<void> {
  const sizes = [1_000, 10_000, 100_000];
  // each size runs about the same number of waiters in all, so the sizes are compared fairly
  const perWaiter = async (n: number, fn: (n: number) => unknown, total = quick ? 100_000 : 300_000, rounds = quick ? 3 : 5) => {
    const reps = Math.max(1, total / n);
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const start = performance.now();
      for (let k = 0; k < reps; k++) await fn(n);
      times.push(((performance.now() - start) / (reps * n)) * 1e6);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1]!;
  };
  const drainOurs = (n: number) => {
    const sem = new Semaphore(1);
    const gate = new Subject<never>();
    sem.section(gate).subscribe();
    for (let i = 0; i < n; i++) sem.section(of(i)).subscribe();
    gate.complete();
  };
  const cancelOurs = (n: number) => {
    const sem = new Semaphore(1);
    const hold = sem.section(new Subject<never>()).subscribe();
    const subs: Subscription[] = new Array(n);
    for (let i = 0; i < n; i++) subs[i] = sem.section(of(i)).subscribe();
    for (const i of order.get(n)!) subs[i]!.unsubscribe();
    hold.unsubscribe();
  };
  const drainMutex = async (n: number) => {
    const mutex = new Mutex();
    const release = await mutex.acquire();
    const all = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) all[i] = mutex.runExclusive(() => i);
    release();
    await Promise.all(all);
  };
  const order = new Map(sizes.map((n) => [n, shuffled(n)]));
  await perWaiter(1_000, drainOurs);
  await perWaiter(1_000, cancelOurs);
  const drainNs = new Map<number, number>();
  const cancelNs = new Map<number, number>();
  const mutexNs = new Map<number, number>();
  for (const n of sizes) {
    drainNs.set(n, await perWaiter(n, drainOurs));
    cancelNs.set(n, await perWaiter(n, cancelOurs));
    mutexNs.set(n, await perWaiter(n, drainMutex, n, quick ? 1 : 5)); // async-mutex is quadratic: one run a round (one round in --quick)
  }
  for (const n of sizes) {
    record({ group: 'queue', name: `enqueue then drain, ${n.toLocaleString('en')} waiters (per waiter)`, ours: drainNs.get(n)!, peer: mutexNs.get(n)!, peerName: 'async-mutex Mutex', unit: 'ns', ratio: drainNs.get(n)! / mutexNs.get(n)!, target: '—', met: undefined });
  }
  for (const n of sizes) {
    record({ group: 'queue', name: `enqueue then cancel in random order, ${n.toLocaleString('en')} (per waiter)`, ours: cancelNs.get(n)!, peer: NaN, peerName: 'async-mutex: no per-waiter cancel', unit: 'ns', ratio: NaN, target: '—', met: undefined });
  }
  // the queue alone, on preallocated nodes: what is left when no waiter has to be allocated
  const nodes = Array.from({ length: 100_000 }, () => ({ prev_: undefined, next_: undefined, queued_: false }) as Linked);
  const queueAlone = (n: number) => {
    const queue = new Queue<Linked>();
    for (let i = 0; i < n; i++) queue.enqueue_(nodes[i]!);
    for (const i of order.get(n)!) queue.remove_(nodes[i]!);
  };
  const queueNs = new Map<number, number>();
  await perWaiter(1_000, queueAlone);
  for (const n of sizes) queueNs.set(n, await perWaiter(n, queueAlone));
  const scale = (m: Map<number, number>) => m.get(100_000)! / m.get(1_000)!;
  record({ group: 'queue', name: 'the waiter queue alone (enqueue + random remove): 10^5 / 10^3', ours: queueNs.get(100_000)!, peer: queueNs.get(1_000)!, peerName: 'at 10^3', unit: 'ns', ratio: scale(queueNs), target: '—', met: undefined });
  record({ group: 'queue', name: 'drain: per waiter at 10^5 / per waiter at 10^3 (O(1))', ours: drainNs.get(100_000)!, peer: drainNs.get(1_000)!, peerName: 'ours at 10^3', unit: 'ns', ratio: scale(drainNs), target: '≤ 2', met: scale(drainNs) <= 2 });
  record({ group: 'queue', name: 'cancel: per waiter at 10^5 / per waiter at 10^3 (O(1))', ours: cancelNs.get(100_000)!, peer: cancelNs.get(1_000)!, peerName: 'ours at 10^3', unit: 'ns', ratio: scale(cancelNs), target: '≤ 2', met: scale(cancelNs) <= 2 });
  record({ group: 'queue', name: 'async-mutex drain: per waiter at 10^5 / at 10^3', ours: mutexNs.get(100_000)!, peer: mutexNs.get(1_000)!, peerName: 'async-mutex at 10^3', unit: 'ns', ratio: scale(mutexNs), target: '—', met: undefined });
}

export async function racingVsRxjs(): Promise<void> {
  const n = 10_000;
  const reps = quick ? 3 : 10;
  const subjects = () => Array.from({ length: n }, () => new Subject<number>());
  await pair({
    group: 'racing',
    name: `raceFirst vs race, ${n.toLocaleString('en')} sources, the last one wins (×${reps})`,
    peerName: 'rxjs race',
    ours: () => {
      for (let r = 0; r < reps; r++) {
        const s = subjects();
        const sub = raceFirst(s).subscribe();
        s[n - 1]!.next(1);
        sub.unsubscribe();
      }
    },
    peer: () => {
      for (let r = 0; r < reps; r++) {
        const s = subjects();
        const sub = race(s).subscribe();
        s[n - 1]!.next(1);
        sub.unsubscribe();
      }
    },
    max: 1.3,
  });
  const sources = Array.from({ length: n }, (_, i) => of(i));
  await pair({
    group: 'racing',
    name: `mergeAsCompleted vs merge, ${n.toLocaleString('en')} sources (×${reps})`,
    peerName: 'rxjs merge',
    ours: () => {
      for (let r = 0; r < reps; r++) mergeAsCompleted(sources).subscribe();
    },
    peer: () => {
      for (let r = 0; r < reps; r++) merge(...sources).subscribe();
    },
    max: 1.3,
  });
  await pair({
    group: 'racing',
    name: `gatherSettled vs forkJoin, ${n.toLocaleString('en')} sources (×${reps})`,
    peerName: 'rxjs forkJoin',
    ours: () => {
      for (let r = 0; r < reps; r++) gatherSettled(sources).subscribe();
    },
    peer: () => {
      for (let r = 0; r < reps; r++) forkJoin(sources).subscribe();
    },
    max: 1.3,
  });
}

export async function workersVsPeers(): Promise<void> {
  const url = await buildWorker('bench/workers/ours.ts');
  const tasks = quick ? 2_000 : 20_000;
  const ours = createWorkerPool(url, { size: 2 });
  // the cancel rows below need a task that can spin: that piscina pool takes `{ kind, x }`; the
  // throughput rows call each peer the way its own docs do (piscina and tinypool: `run(x)` of a
  // default export taking the number; workerpool: `exec(name, [x])`)
  const piscina = new Piscina({ filename: `${root}bench/workers/piscina.mjs`, minThreads: 2, maxThreads: 2 });
  const piscinaInc = new Piscina({ filename: `${root}bench/workers/inc.mjs`, minThreads: 2, maxThreads: 2 });
  const tinypool = new Tinypool({ filename: `${root}bench/workers/inc.mjs`, minThreads: 2, maxThreads: 2 });
  const wp = workerpool.pool(`${root}bench/workers/workerpool.cjs`, { minWorkers: 2, maxWorkers: 2, workerType: 'thread' });
  const ids = Array.from({ length: tasks }, (_, i) => i);
  const oursAll = () => Promise.all(ids.map((i) => lastValueFrom(fromWorker(ours, 'inc', i))));
  const peers: [string, (x: number) => Promise<unknown>, number][] = [
    ['piscina', (x) => piscinaInc.run(x), 0.83],
    ['tinypool', (x) => tinypool.run(x), 0.9],
    ['workerpool', (x) => wp.exec('inc', [x]), 0.7],
  ];
  for (const [peerName, run, max] of peers) {
    await pair({
      group: 'workers',
      name: `fromWorker, ${tasks.toLocaleString('en')} tiny tasks on 2 workers (time; ratio ≤ 1 = throughput ≥ 1)`,
      peerName,
      ours: oursAll,
      peer: () => Promise.all(ids.map(run)),
      max,
    });
  }

  const trips = quick ? 300 : 3_000;
  const single = createWorkerPool(url, { size: 1 });
  const echo = new Worker(`${root}bench/workers/echo.mjs`);
  await pair({
    group: 'workers',
    name: `round-trip latency, ${trips.toLocaleString('en')} sequential tasks`,
    peerName: 'raw postMessage echo',
    rounds: quick ? 3 : 15, // the noisiest pair here: more rounds for a steadier median
    ours: async () => {
      for (let i = 0; i < trips; i++) await lastValueFrom(fromWorker(single, 'inc', i));
    },
    peer: async () => {
      for (let i = 0; i < trips; i++) await new Promise((resolve) => (echo.once('message', resolve), echo.postMessage(i)));
    },
    max: 1.25,
  });

  // a 1 MB Float64Array there and back: moved with transfer(), and copied
  const mb = 131_072; // 8 bytes each
  const arrays = quick ? 20 : 100;
  const echoOnce = (message: unknown, list?: ArrayBuffer[]) => new Promise((resolve) => (echo.once('message', resolve), echo.postMessage(message, list)));
  await pair({
    group: 'workers',
    name: `1 MB Float64Array there and back with transfer(), ${arrays} in a row`,
    peerName: 'raw transferring echo',
    ours: async () => {
      for (let i = 0; i < arrays; i++) {
        const data = new Float64Array(mb);
        await lastValueFrom(fromWorker(single, 'move', transfer(data, [data.buffer])));
      }
    },
    peer: async () => {
      for (let i = 0; i < arrays; i++) {
        const data = new Float64Array(mb);
        await echoOnce({ move: data }, [data.buffer]);
      }
    },
    max: 1.2,
  });
  const shared = new Float64Array(mb);
  await pair({
    group: 'workers',
    name: `1 MB Float64Array there and back, copied, ${arrays} in a row`,
    peerName: 'raw copying echo',
    ours: async () => {
      for (let i = 0; i < arrays; i++) await lastValueFrom(fromWorker(single, 'copy', shared));
    },
    peer: async () => {
      for (let i = 0; i < arrays; i++) await echoOnce({ copy: shared });
    },
    max: 1.2,
  });

  // 10^5 values from one generator task, against as many raw messages
  const values = quick ? 20_000 : 100_000;
  await pair({
    group: 'workers',
    name: `streaming ${values.toLocaleString('en')} values from one generator (time per value)`,
    peerName: 'raw postMessage per value',
    ours: () => lastValueFrom(fromWorker(single, 'stream', values), { defaultValue: undefined }),
    peer: () =>
      new Promise<void>((resolve) => {
        const onMessage = (m: unknown) => {
          if (m !== 'end') return;
          echo.off('message', onMessage);
          resolve();
        };
        echo.on('message', onMessage);
        echo.postMessage({ stream: values });
      }),
    max: 2,
  });

  // the first task of a new pool, its worker's start included
  const colds = quick ? 3 : 9;
  const coldOurs: number[] = [];
  const coldPiscina: number[] = [];
  for (let r = 0; r < colds; r++) {
    for (const which of r % 2 ? ['piscina', 'ours'] : ['ours', 'piscina']) {
      const start = performance.now();
      if (which === 'ours') {
        const fresh = createWorkerPool(url, { size: 1 });
        await lastValueFrom(fromWorker(fresh, 'inc', 1));
        coldOurs.push(performance.now() - start);
        await fresh.terminate();
      } else {
        const fresh = new Piscina({ filename: `${root}bench/workers/piscina.mjs`, minThreads: 0, maxThreads: 1 });
        await fresh.run({ kind: 'inc', x: 1 });
        coldPiscina.push(performance.now() - start);
        await fresh.destroy();
      }
    }
  }
  const coldRatios = coldOurs.map((t, i) => t / coldPiscina[i]!);
  record({
    group: 'workers',
    name: 'first task on a cold pool (worker start included)',
    ours: percentile(coldOurs, 0.5),
    peer: percentile(coldPiscina, 0.5),
    peerName: 'piscina',
    unit: 'ms',
    ratio: percentile(coldRatios, 0.5),
    spread: [percentile(coldRatios, 0.1), percentile(coldRatios, 0.9)],
    target: '≤ 1',
    met: percentile(coldRatios, 0.5) <= 1,
  });

  // cancel latency: unsubscribe (or abort) a running CPU-bound task, until the pool runs a new one
  const cancelRounds = quick ? 3 : 10;
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((r) => setImmediate(r));
  };
  const cancelOurs = (task: 'spin' | 'spinPolitely', pool: ReturnType<typeof createWorkerPool>) => async () => {
    const sub = fromWorker(pool, task).subscribe({ error: () => undefined });
    await new Promise((r) => setTimeout(r, 20));
    const start = performance.now();
    sub.unsubscribe();
    await lastValueFrom(fromWorker(pool, 'inc', 1));
    return performance.now() - start;
  };
  const cancelPiscina = async () => {
    const controller = new AbortController();
    const running = piscina.run({ kind: 'spin', x: 0 }, { signal: controller.signal }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    const start = performance.now();
    controller.abort();
    await running;
    await piscina.run({ kind: 'inc', x: 1 });
    return performance.now() - start;
  };
  const medianOf = async (fn: () => Promise<number>) => {
    const xs: number[] = [];
    for (let r = 0; r < cancelRounds; r++) xs.push(await fn());
    xs.sort((a, b) => a - b);
    return xs[xs.length >> 1]!;
  };
  const grace = createWorkerPool(url, { size: 1, cancelGrace: 20 });
  await until(() => true);
  const politely = await medianOf(cancelOurs('spinPolitely', single));
  const hard = await medianOf(cancelOurs('spin', grace));
  const theirs = await medianOf(cancelPiscina);
  record({ group: 'workers', name: 'cancel latency, task checks ctx.throwIfCancelled()', ours: politely, peer: theirs, peerName: 'piscina AbortSignal', unit: 'ms', ratio: politely / theirs, target: '—', met: undefined });
  record({ group: 'workers', name: 'cancel latency, `for (;;) {}` (terminated after cancelGrace 20 ms)', ours: hard, peer: theirs, peerName: 'piscina AbortSignal', unit: 'ms', ratio: hard / theirs, target: '—', met: undefined });

  await Promise.all([ours.terminate(), single.terminate(), grace.terminate(), piscina.destroy(), piscinaInc.destroy(), tinypool.destroy(), wp.terminate(), echo.terminate()]);
}

export async function memory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('memory      skipped: run with node --expose-gc (npm run bench does)');
    return;
  }
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };
  const n = quick ? 200_000 : 1_000_000;
  const sem = new Semaphore(4);
  const before = heap();
  await drain(range(0, n).pipe(semaphoreMap(sem, (x) => of(x))));
  const growth = heap() - before;
  record({ group: 'memory', name: `heap growth after ${n.toLocaleString('en')} values through semaphoreMap(shared)`, ours: growth, peer: 5, peerName: 'budget', unit: 'MB', ratio: growth / 5, target: '≤ 1 (under 5 MB)', met: growth < 5 });
  const waiters = 100_000;
  const lock = new Lock();
  const base = heap();
  const hold = lock.section(new Subject<never>()).subscribe();
  const subs = Array.from({ length: waiters }, () => lock.section(of(1)).subscribe());
  const peak = heap() - base;
  for (const s of subs) s.unsubscribe();
  subs.length = 0;
  hold.unsubscribe();
  const left = heap() - base;
  // bytes per waiting section (heap delta / waiters): a section's own (semaphoreMap's, where no
  // subscriber is made per section), and a section().subscribe() with the caller's rxjs subscriber,
  // against a p-limit call waiting its turn
  const perWaiter = (fill: () => () => void) => {
    const start = heap();
    const release = fill();
    const bytes = ((heap() - start) * 2 ** 20) / waiters;
    release();
    return bytes;
  };
  const own = perWaiter(() => {
    const sem = new Semaphore(1);
    const hold = sem.section(new Subject<never>()).subscribe();
    const sub = range(0, waiters).pipe(semaphoreMap(sem, () => of(1))).subscribe();
    return () => (sub.unsubscribe(), hold.unsubscribe());
  });
  const shared = of(1);
  const whole = perWaiter(() => {
    const sem = new Semaphore(1);
    const hold = sem.section(new Subject<never>()).subscribe();
    const subs = Array.from({ length: waiters }, () => sem.section(shared).subscribe());
    return () => (subs.forEach((s) => s.unsubscribe()), hold.unsubscribe());
  });
  let unblock: (() => void) | undefined;
  const pLimitBytes = perWaiter(() => {
    const limit = pLimit(1);
    void limit(() => new Promise<void>((r) => (unblock = r)));
    const body = () => Promise.resolve(1);
    const all = Array.from({ length: waiters }, () => limit(body));
    return () => (limit.clearQueue(), unblock?.(), (all.length = 0));
  });
  record({ group: 'memory', name: `bytes per waiting section, ${waiters.toLocaleString('en')} waiting (semaphoreMap: the section alone)`, ours: own, peer: 200, peerName: 'target', unit: 'B', ratio: own / 200, target: '≤ 200 B', met: own <= 200 });
  record({ group: 'memory', name: `bytes per waiting section().subscribe(), the caller's rxjs subscriber included`, ours: whole, peer: pLimitBytes, peerName: 'p-limit(1) call waiting', unit: 'B', ratio: whole / pLimitBytes, target: '—', met: undefined });
  record({ group: 'memory', name: `${waiters.toLocaleString('en')} cancelled waiters: heap left (peak ${peak.toFixed(1)} MB)`, ours: left, peer: 1, peerName: 'budget', unit: 'MB', ratio: left, target: '≤ 1 (under 1 MB)', met: left < 1 && lock.waiting === 0 });
}
