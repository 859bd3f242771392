// What the Redis specs share: a real redis-server for the file (started on a free loopback port and
// stopped) — or a real Redis Cluster of three masters and three replicas, when RXC_REDIS_TARGET
// names one (scripts/redis-target.ts) — clients closed at the end, child processes running
// examples/redis-replica.ts (killed after each test), and a poll for conditions that Redis or another
// process makes true. `client()` is the specs' own ioredis connection to look into Redis; `lib()` the
// client of the target's family (ioredis, iovalkey, node-redis) that the limits under test are given.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { startRedis, startRedisCluster, startSentinelSet, type RedisCluster, type RedisServer, type SentinelSet } from '../../scripts/redis-server.js';
import { addressText, clustered, sentinel, inspector, library, type Address } from '../../scripts/redis-target.js';
import type { RedisClient } from '../../src/redis/index.js';

export { clustered, sentinel, target } from '../../scripts/redis-target.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(10);
  }
}

export interface Replica {
  readonly process: ChildProcess;
  readonly lines: string[];
  readonly exit: Promise<number | null>;
}

/** Registers the hooks of one spec file and returns its tools. */
export function redisHarness(prefix: string) {
  let server: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  let sentinels: SentinelSet | undefined;
  let address: Address;
  let shared: Awaited<ReturnType<typeof library>> | undefined;
  const clients: Redis[] = [];
  const children: ChildProcess[] = [];
  let names = 0;
  beforeAll(async () => {
    if (clustered) cluster = await startRedisCluster();
    else if (sentinel) sentinels = await startSentinelSet();
    else server = await startRedis();
    address = cluster ? { ports: cluster.ports, cluster: true } : sentinels ? { ports: sentinels.sentinels, cluster: false, sentinel: sentinels.name } : { ports: [server!.port], cluster: false };
    shared = await library(address);
  }, 60_000);
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await shared?.close();
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await server?.stop();
    await cluster?.stop();
    await sentinels?.stop();
  });
  return {
    /** The standalone server (not there on a cluster). */
    get server(): RedisServer {
      if (!server) throw new Error('no standalone redis-server: the target is a cluster or a Sentinel set');
      return server;
    },
    /** A fresh name, in braces: the keys a spec derives from it (`${name}:inside`) share its Cluster slot. */
    name: () => `{${prefix}-${process.pid}-${++names}}`,
    client(): Redis {
      const c = inspector(address);
      clients.push(c);
      return c;
    },
    /** The file's client of the target's family, for the limits under test. */
    lib(): RedisClient {
      return shared!.client;
    },
    /** A process running `script` (default examples/redis-replica.ts) with `args`, its stdout split into lines. */
    child(args: string[], script = 'examples/redis-replica.ts'): Replica {
      const proc = spawn(process.execPath, ['--import', 'tsx', `${root}${script}`, addressText(address), ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(proc);
      const lines: string[] = [];
      let buffer = '';
      proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          lines.push(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      });
      proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => lines.push(`stderr: ${chunk.trim()}`));
      return { process: proc, lines, exit: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
    },
  };
}
