// The keyed semaphore across processes (RedisKeyedSemaphore) against the unkeyed RedisSemaphore, on
// one redis-server: the noisy neighbour with 3 processes. Process 1 queues many sections of key
// 'noisy', then processes 2 and 3 queue a few each of keys 'q1' and 'q2'; permits 4, each section
// holds 2 ms. The same workload through one RedisSemaphore(4) is what a service has without keys.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis } from '../scripts/redis-server.js';
import { jain } from './keyed.js';
import { percentile, quick, record } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
type Event = [request: number, enter: number, release: number, token: number];

interface Worker {
  readonly lines: string[];
  readonly go: () => void;
  readonly done: Promise<Event[]>;
}

function worker(port: number, lib: string, name: string, key: string, sections: number): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', `${root}bench/redis-keyed-worker.ts`, String(port), lib, name, '4', key, String(sections), '2'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    lines.push(...d.split('\n').filter(Boolean));
  });
  const done = new Promise<Event[]>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n').filter(Boolean).at(-1)!) as Event[]) : reject(new Error(`keyed bench worker exited ${code}`)))),
  );
  return { lines, go: () => child.stdin.write('go\n'), done };
}

const until = async (check: () => boolean | Promise<boolean>) => {
  const end = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('keyed redis bench: a worker did not get ready');
    await new Promise((r) => setTimeout(r, 5));
  }
};

interface Outcome {
  readonly quietP99: number;
  readonly handoffP50: number;
  readonly jain: number;
  readonly leftover: number;
}

async function run(port: number, redis: Redis, lib: 'keyed' | 'plain', noisy: number, quietEach: number): Promise<Outcome> {
  const name = `bench-keyed-${lib}-${Date.now()}`;
  const workers = [worker(port, lib, name, 'noisy', noisy), worker(port, lib, name, 'q1', quietEach), worker(port, lib, name, 'q2', quietEach)];
  await until(() => workers.every((w) => w.lines.includes('ready')));
  workers[0]!.go();
  const queue = lib === 'keyed' ? `rxk:{${name}}:qa` : `rxc:{${name}}:q`;
  await until(async () => (await redis.zcard(queue)) >= noisy / 2);
  workers[1]!.go();
  workers[2]!.go();
  const [n, q1, q2] = await Promise.all(workers.map((w) => w.done));
  const quiet = [...q1!, ...q2!];
  // grants in Redis's order (tokens), by key, from the first quiet request on
  const firstQuiet = Math.min(...quiet.map((e) => e[0]));
  const order = [...n!.map((e) => ['noisy', e] as const), ...q1!.map((e) => ['q1', e] as const), ...q2!.map((e) => ['q2', e] as const)]
    .filter(([, e]) => e[1] >= firstQuiet)
    .sort((a, b) => a[1][3] - b[1][3])
    .map(([k]) => k);
  const all = [...n!, ...quiet];
  const handoffs: number[] = [];
  for (const r of all.map((e) => e[2])) {
    const next = all.filter(([req, ent]) => req < r && ent >= r).reduce((min, e) => Math.min(min, e[1]), Infinity);
    if (next !== Infinity) handoffs.push(next - r);
  }
  const prefix = lib === 'keyed' ? `rxk:{${name}}:*` : `rxc:{${name}}:*`;
  // the counters that stay on purpose: `seq` and `fence` (keyed), `s` and `h` holding only its state members `~n`, `~fence` (plain)
  const counters = async (k: string) => /:(seq|fence|s)$/.test(k) || (/:h$/.test(k) && (await redis.zrange(k, '0', '-1')).every((m) => m.startsWith('~')));
  const keys = await redis.keys(prefix);
  const leftover = (await Promise.all(keys.map(counters))).filter((kept) => !kept).length;
  return { quietP99: percentile(quiet.map(([req, , rel]) => rel - req), 0.99), handoffP50: percentile(handoffs, 0.5), jain: jain(order), leftover };
}

export async function keyedRedisLimits(): Promise<void> {
  const server = await startRedis();
  const redis = new Redis({ port: server.port, host: '127.0.0.1' });
  const noisy = quick ? 300 : 2000;
  const quietEach = quick ? 10 : 20;
  try {
    const keyed = await run(server.port, redis, 'keyed', noisy, quietEach);
    const plain = await run(server.port, redis, 'plain', noisy, quietEach);
    const label = `3 processes, ${noisy.toLocaleString('en')} + 2 × ${quietEach} sections of 2 ms, permits 4`;
    const ratio = keyed.quietP99 / plain.quietP99;
    record({ group: 'keyed redis', name: `noisy neighbour, ${label}: quiet keys' p99 completion`, ours: keyed.quietP99, peer: plain.quietP99, peerName: 'one RedisSemaphore(4)', unit: 'ms', ratio, target: '≤ 0.1', met: ratio <= 0.1 });
    record({ group: 'keyed redis', name: 'noisy neighbour: Jain index of the grants per key while every key waits', ours: keyed.jain, peer: plain.jain, peerName: 'one RedisSemaphore(4)', unit: '', ratio: keyed.jain, target: '≥ 0.95', met: keyed.jain >= 0.95 });
    const handoff = keyed.handoffP50 / plain.handoffP50;
    record({ group: 'keyed redis', name: 'hand-off p50 (release → next waiter in)', ours: keyed.handoffP50, peer: plain.handoffP50, peerName: 'one RedisSemaphore(4)', unit: 'ms', ratio: handoff, target: '≤ 1.5', met: handoff <= 1.5 });
    record({ group: 'keyed redis', name: 'Redis keys left for the idle tenants afterwards', ours: keyed.leftover, peer: plain.leftover, peerName: 'one RedisSemaphore(4)', unit: 'keys', ratio: keyed.leftover, target: '= 0', met: keyed.leftover === 0 });
  } finally {
    await redis.quit();
    await server.stop();
  }
}
