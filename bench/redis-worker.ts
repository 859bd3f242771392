// One process of the Redis benchmark (bench/redis.ts): <port> <lib> <name> <permits> <iterations> <holdMs>
// lib: ours | rs (redis-semaphore, default retryInterval 10) | rs1 (retryInterval 1).
// Prints one JSON line: each acquisition's request, entry and release times (ms, shared clock).
import { Redis } from 'ioredis';
import { Semaphore as RsSemaphore } from 'redis-semaphore';
import { defer, lastValueFrom } from 'rxjs';
import { RedisSemaphore } from '../src/redis/index.js';

const [port, lib, name, permits, iterations, hold] = process.argv.slice(2);
const redis = new Redis({ port: Number(port), host: '127.0.0.1' });
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const events: [number, number, number][] = [];
const ours = new RedisSemaphore(redis, name!, { permits: Number(permits) });
for (let i = 0; i < Number(iterations); i++) {
  const req = now();
  let ent = 0;
  let rel = 0;
  if (lib === 'ours') {
    await lastValueFrom(
      ours.section(
        defer(async () => {
          ent = now();
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
    await sleep(Number(hold));
    rel = now();
    await s.release();
  }
  events.push([req, ent, rel]);
}
console.log(JSON.stringify(events));
await redis.quit();
