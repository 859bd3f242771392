// One process of the Redis benchmark (bench/redis.ts): <address> <lib> <name> <permits> <iterations> <holdMs> [connections]
// connections (default 1): that many clients in this process, each with its own semaphore object and
// its own loop of `iterations` (the scale run: many connections on one redis-server).
// lib: ours (through the client family of RXC_REDIS_TARGET; the address a port or `cluster:<ports>`) |
// rs (redis-semaphore, default retryInterval 10) | rs1 (retryInterval 1).
// Prints one JSON line: each acquisition's request, entry and release times (ms, shared clock) and its grant order.
import { Redis } from 'ioredis';
import { Semaphore as RsSemaphore } from 'redis-semaphore';
import { defer, lastValueFrom } from 'rxjs';
import { RedisSemaphore } from '../src/redis/index.js';
import { addressOf, library } from '../scripts/redis-target.js';

const [address, lib, name, permits, iterations, hold, connections = '1'] = process.argv.slice(2);
const target = addressOf(address!);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// [request, entry, release, grant order]: ours by fencing token (Redis's own grant order), the peer's by entry time
const events: [number, number, number, number][] = [];
const loops = await Promise.all(Array.from({ length: Number(connections) }, () => loop()));
console.log(JSON.stringify(events));
for (const close of loops) await close();

async function loop(): Promise<() => Promise<void>> {
  const redis = new Redis({ port: target.ports[0], host: '127.0.0.1', lazyConnect: target.cluster });
  const client = lib === 'ours' ? await library(target) : undefined;
  const ours = new RedisSemaphore(client?.client ?? redis, name!, { permits: Number(permits) });
  for (let i = 0; i < Number(iterations); i++) {
    const req = now();
    let ent = 0;
    let rel = 0;
    let order = 0;
    if (lib === 'ours') {
      await lastValueFrom(
        ours.section((lease) =>
          defer(async () => {
            ent = now();
            order = lease.token;
            await sleep(Number(hold));
            rel = now();
          }),
        ),
        { defaultValue: undefined },
      );
    } else {
      const s = new RsSemaphore(redis, name!, Number(permits), { retryInterval: lib === 'rs1' ? 1 : 10, acquireTimeout: 120_000, lockTimeout: 10_000 });
      await s.acquire();
      ent = now();
      order = ent;
      await sleep(Number(hold));
      rel = now();
      await s.release();
    }
    events.push([req, ent, rel, order]);
}
return async () => {
  await client?.close();
  if (target.cluster) redis.disconnect();
  else await redis.quit();
};
}
