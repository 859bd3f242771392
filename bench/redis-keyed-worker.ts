// One process of the keyed Redis benchmark (bench/redis-keyed.ts):
//   <port> <lib: keyed | plain> <name> <permits> <key> <count> <holdMs>
// Says `ready`, queues its <count> sections of <key> at once on a line `go` (stdin), and prints one
// JSON line: each section's request, entry and release times (ms, shared clock) and its fencing token.
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { count, defer, lastValueFrom, mergeMap, range } from 'rxjs';
import { RedisKeyedSemaphore, RedisSemaphore } from '../src/redis/index.js';
import type { Lease, PermitSource } from '../src/index.js';

const [port, lib, name, permits, key, sections, hold] = process.argv.slice(2);
const redis = new Redis({ port: Number(port), host: '127.0.0.1' });
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const source: PermitSource =
  lib === 'keyed' ? new RedisKeyedSemaphore(redis, name!, { permits: Number(permits) }).forKey(key!) : new RedisSemaphore(redis, name!, { permits: Number(permits) });
// the first acquisition opens the connections and loads the scripts: before the measured ones
await lastValueFrom(source.section(defer(async () => undefined)), { defaultValue: undefined });
console.log('ready');
const lines = createInterface({ input: process.stdin });
await new Promise((go) => lines.once('line', go));
lines.close();
process.stdin.destroy();
const events: [number, number, number, number][] = [];
await lastValueFrom(
  range(0, Number(sections)).pipe(
    mergeMap(() => {
      const req = now();
      return source.section((lease: Lease) =>
        defer(async () => {
          const ent = now();
          await sleep(Number(hold));
          events.push([req, ent, now(), lease.token]);
        }),
      );
    }),
    count(),
  ),
);
console.log(JSON.stringify(events));
await redis.quit();
