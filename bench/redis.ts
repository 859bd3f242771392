// The Redis-backed semaphore against redis-semaphore (the most used library), on the same Redis:
// 4 processes × N acquire → hold 2 ms → release, for Semaphore(2) and for a mutex.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis, startRedisCluster } from '../scripts/redis-server.js';
import { percentile, quick, record } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
type Event = [request: number, enter: number, release: number, order: number];
/** How much later a request must be to count as a newcomer that overtook (see `figures`). */
const OVERTAKE_MS = 1;
/** Acquisitions per process before the measured ones. */
const WARM_UP = 5;

export function runProcess(address: string, lib: string, name: string, permits: number, iterations: number, target = 'ioredis', hold = 2, connections = 1): Promise<Event[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${root}bench/redis-worker.ts`, address, lib, name, String(permits), String(iterations), String(hold), String(connections)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, RXC_REDIS_TARGET: target },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Event[]) : reject(new Error(`redis bench worker exited ${code}`))));
  });
}

interface Figures {
  handoffP50: number;
  handoffP99: number;
  overtakenShare: number;
  overtakenRawShare: number;
  mostOvertakes: number;
  waitMean: number;
  waitP99: number;
  waitMax: number;
  perSecond: number;
  commandsPerAcquisition: number;
}

function figures(events: Event[], commands: number): Figures {
  const releases = events.map((e) => e[2]).sort((a, b) => a - b);
  const handoffs: number[] = [];
  for (const r of releases) {
    // the next entry after this release by an acquisition that was already waiting when it happened
    const next = events.filter(([req, ent]) => req < r && ent >= r).reduce((min, e) => Math.min(min, e[1]), Infinity);
    if (next !== Infinity) handoffs.push(next - r);
  }
  // an overtake: a requested after b, yet was granted before b (the grant order is ours' fencing
  // tokens — Redis's own order — and the peer's entry times). Request times are taken by the clients
  // just before they send, so a process descheduled between the two shows a request that reached
  // Redis later than its timestamp says: an overtake counts when a asked OVERTAKE_MS or more after b
  // (well above the 0.08 ms round trip); the count by timestamps alone is reported beside it.
  let overtaken = 0;
  let overtakenRaw = 0;
  let most = 0;
  for (const b of events) {
    const n = events.filter((a) => a[0] >= b[0] + OVERTAKE_MS && a[3] < b[3]).length;
    if (n > 0) overtaken++;
    if (events.some((a) => a[0] > b[0] && a[3] < b[3])) overtakenRaw++;
    most = Math.max(most, n);
  }
  const waits = events.map(([req, ent]) => ent - req);
  const span = Math.max(...releases) - Math.min(...events.map((e) => e[0]));
  return {
    handoffP50: percentile(handoffs, 0.5),
    handoffP99: percentile(handoffs, 0.99),
    overtakenShare: overtaken / events.length,
    overtakenRawShare: overtakenRaw / events.length,
    mostOvertakes: most,
    waitMean: waits.reduce((s, w) => s + w, 0) / waits.length,
    waitP99: percentile(waits, 0.99),
    waitMax: Math.max(...waits),
    perSecond: events.length / (span / 1000),
    commandsPerAcquisition: commands / events.length,
  };
}

/** Redis's own counters: commands processed, and its CPU time (user + system) in µs. */
export async function serverCounters(redis: Redis): Promise<{ commands: number; cpuUs: number }> {
  const info = await redis.info();
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)![1]);
  return { commands: field('total_commands_processed'), cpuUs: (field('used_cpu_user') + field('used_cpu_sys')) * 1e6 };
}

async function measure(port: number, redis: Redis, lib: string, permits: number, iterations: number): Promise<Figures & { cpuPerAcquisition: number }> {
  const name = `bench-${lib}-${permits}-${Date.now()}`;
  const before = await serverCounters(redis);
  const runs = await Promise.all([0, 1, 2, 3].map(() => runProcess(String(port), lib, name, permits, iterations + WARM_UP)));
  const after = await serverCounters(redis);
  // each process's first acquisitions open its connections and load the scripts: not measured
  const acquisitions = (iterations + WARM_UP) * 4;
  return { ...figures(runs.flatMap((events) => events.slice(WARM_UP)), ((after.commands - before.commands) / acquisitions) * iterations * 4), cpuPerAcquisition: (after.cpuUs - before.cpuUs) / acquisitions };
}

export async function redisLimits(): Promise<void> {
  const server = await startRedis();
  const redis = new Redis({ port: server.port, host: '127.0.0.1' });
  const iterations = quick ? 40 : 200;
  try {
    for (const permits of [2, 1]) {
      const label = permits === 1 ? 'mutex' : `Semaphore(${permits})`;
      const ours = await measure(server.port, redis, 'ours', permits, iterations);
      const rs = await measure(server.port, redis, 'rs', permits, iterations);
      const rs1 = await measure(server.port, redis, 'rs1', permits, iterations);
      const row = (name: string, o: number, peer: number, peerName: string, unit: string, target: string, met: boolean | undefined) =>
        record({ group: 'redis', name: `${label}, 4 processes × ${iterations}: ${name}`, ours: o, peer, peerName, unit, ratio: o / peer, target, met });
      row('hand-off p50 (release → next waiter in)', ours.handoffP50, rs.handoffP50, 'redis-semaphore', 'ms', '≤ 0.1', ours.handoffP50 / rs.handoffP50 <= 0.1);
      row('hand-off p50', ours.handoffP50, rs1.handoffP50, 'redis-semaphore ri=1', 'ms', '≤ 0.25', ours.handoffP50 / rs1.handoffP50 <= 0.25);
      row('hand-off p99', ours.handoffP99, rs1.handoffP99, 'redis-semaphore ri=1', 'ms', 'ours ≤ 3 ms', ours.handoffP99 <= 3);
      row(`share overtaken by a newcomer (≥ ${OVERTAKE_MS} ms later)`, ours.overtakenShare, rs.overtakenShare, 'redis-semaphore', 'share', 'ours = 0', ours.overtakenShare === 0);
      row('share overtaken, by client timestamps alone', ours.overtakenRawShare, rs.overtakenRawShare, 'redis-semaphore', 'share', '—', undefined);
      row(`most times one waiter was overtaken (≥ ${OVERTAKE_MS} ms)`, ours.mostOvertakes, rs.mostOvertakes, 'redis-semaphore', 'times', 'ours = 0', ours.mostOvertakes === 0);
      row('wait p99 / wait mean', ours.waitP99 / ours.waitMean, rs.waitP99 / rs.waitMean, 'redis-semaphore', '×', 'ours ≤ 4', ours.waitP99 / ours.waitMean <= 4);
      row('wait max', ours.waitMax, rs.waitMax, 'redis-semaphore', 'ms', '—', undefined);
      const best = Math.max(rs.perSecond, rs1.perSecond);
      const floor = permits === 1 ? 0.85 : 0.9;
      row('acquisitions per second (ratio ≥ target)', ours.perSecond, best, 'redis-semaphore best', '/s', `≥ ${floor}`, ours.perSecond / best >= floor);
      row('Redis commands per acquisition', ours.commandsPerAcquisition, rs.commandsPerAcquisition, 'redis-semaphore', 'cmds', 'ours ≤ 12', ours.commandsPerAcquisition <= 12);
      // the ceiling of a fleet: Redis's CPU per acquisition (user + system, from INFO)
      row('Redis CPU per acquisition', ours.cpuPerAcquisition, rs.cpuPerAcquisition, 'redis-semaphore', 'µs', '≤ 1.5', ours.cpuPerAcquisition / rs.cpuPerAcquisition <= 1.5);
    }
  } finally {
    await redis.quit();
    await server.stop();
  }
}

/** Figures of `ours` through one client family (`target`) at `address`: a cluster's INFO is per node, so no command count. */
async function measureAt(address: string, target: string, iterations: number): Promise<Figures> {
  const name = `{bench-${target}-${Date.now()}}`;
  const runs = await Promise.all([0, 1, 2, 3].map(() => runProcess(address, 'ours', name, 2, iterations + WARM_UP, target)));
  return figures(runs.flatMap((events) => events.slice(WARM_UP)), NaN);
}

/**
 * The same semaphore through node-redis and on a Redis Cluster (3 masters, 3 replicas), against
 * standalone ioredis: rounds alternate the baseline and each other shape, medians of the rounds.
 */
export async function redisTopologies(): Promise<void> {
  const server = await startRedis();
  const cluster = await startRedisCluster();
  const iterations = quick ? 40 : 200;
  const rounds = quick ? 1 : 3;
  const shapes = [
    ['node-redis', 'node-redis, standalone', String(server.port)],
    ['cluster-ioredis', 'ioredis, Cluster', `cluster:${cluster.ports.join(',')}`],
    ['cluster-node-redis', 'node-redis, Cluster', `cluster:${cluster.ports.join(',')}`],
  ] as const;
  try {
    const base: Figures[] = [];
    const other = new Map<string, Figures[]>();
    for (let round = 0; round < rounds; round++)
      for (const [target, , address] of shapes) {
        base.push(await measureAt(String(server.port), 'ioredis', iterations));
        other.set(target, [...(other.get(target) ?? []), await measureAt(address, target, iterations)]);
      }
    const median = (list: Figures[], pick: (f: Figures) => number) => percentile(list.map(pick), 0.5);
    for (const [target, label] of shapes) {
      const runs = other.get(target)!;
      const row = (what: string, pick: (f: Figures) => number, unit: string, inverse: boolean) => {
        const o = median(runs, pick);
        const b = median(base, pick);
        const ratio = o / b;
        record({ group: 'redis', name: `Semaphore(2), 4 processes × ${iterations}, ${label}: ${what}`, ours: o, peer: b, peerName: 'ours, ioredis standalone', unit, ratio, target: inverse ? '≥ 0.77' : '≤ 1.3', met: inverse ? ratio >= 1 / 1.3 : ratio <= 1.3 });
      };
      row('hand-off p50', (f) => f.handoffP50, 'ms', false);
      row('hand-off p99', (f) => f.handoffP99, 'ms', false);
      row('acquisitions per second', (f) => f.perSecond, '/s', true);
    }
  } finally {
    await server.stop();
    await cluster.stop();
  }
}

/**
 * The scale run: 32 connections on one redis-server (4 processes of 8 clients, each client its own
 * loop of acquire → release with nothing held), Semaphore(8): acquisitions per second and Redis's
 * CPU, for ours and for redis-semaphore (its default retryInterval, 10 ms, and 1 ms).
 */
export async function redisScale(): Promise<void> {
  const server = await startRedis();
  const redis = new Redis({ port: server.port, host: '127.0.0.1' });
  const iterations = quick ? 20 : 150;
  try {
    const run = async (lib: string) => {
      const name = `scale-${lib}-${Date.now()}`;
      const before = await serverCounters(redis);
      const started = performance.now();
      const runs = await Promise.all([0, 1, 2, 3].map(() => runProcess(String(server.port), lib, name, 8, iterations, 'ioredis', 0, 8)));
      const seconds = (performance.now() - started) / 1000;
      const after = await serverCounters(redis);
      const acquisitions = runs.reduce((n, events) => n + events.length, 0);
      // the processes' start (a few hundred ms each) is in the wall time: the rate counts from the first request
      const events = runs.flat();
      const span = (Math.max(...events.map((e) => e[2])) - Math.min(...events.map((e) => e[0]))) / 1000;
      return { perSecond: acquisitions / span, cpuShare: (after.cpuUs - before.cpuUs) / 1e6 / seconds, cpuPerAcquisition: (after.cpuUs - before.cpuUs) / acquisitions };
    };
    const ours = await run('ours');
    const rs = await run('rs');
    const rs1 = await run('rs1');
    const label = `32 connections (4 processes × 8), Semaphore(8), ${iterations} each`;
    const row = (what: string, o: number, peer: number, peerName: string, unit: string) =>
      record({ group: 'redis scale', name: `${label}: ${what}`, ours: o, peer, peerName, unit, ratio: o / peer, target: '—', met: undefined });
    row('acquisitions per second', ours.perSecond, rs.perSecond, 'redis-semaphore', '/s');
    row('acquisitions per second', ours.perSecond, rs1.perSecond, 'redis-semaphore ri=1', '/s');
    row('Redis CPU (share of one core, while it ran)', ours.cpuShare, rs.cpuShare, 'redis-semaphore', 'cores');
    row('Redis CPU (share of one core, while it ran)', ours.cpuShare, rs1.cpuShare, 'redis-semaphore ri=1', 'cores');
    row('Redis CPU per acquisition', ours.cpuPerAcquisition, rs.cpuPerAcquisition, 'redis-semaphore', 'µs');
    row('Redis CPU per acquisition', ours.cpuPerAcquisition, rs1.cpuPerAcquisition, 'redis-semaphore ri=1', 'µs');
  } finally {
    await redis.quit();
    await server.stop();
  }
}
