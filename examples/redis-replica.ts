// A replica of a service that shares a RedisSemaphore with the others (examples/redis-shared.ts and
// spec/redis/RedisSemaphore.spec.ts start several). <port> is a redis-server's port, or a Redis
// Cluster's `cluster:<port>,<port>,…`; the limits get a client of the family RXC_REDIS_TARGET names
// (scripts/redis-target.ts: ioredis by default):
//   redis-replica.ts <port> work <name> <permits> <count> <ms>   sections that count themselves in Redis
//   redis-replica.ts <port> hold <name> <permits> <lease>        holds a permit ('holding') until it loses it
//   redis-replica.ts <port> wait <name> <permits>                waits for a permit forever
//   redis-replica.ts <port> rate <name> <limit> <count> <interval>  sections through a RedisRateLimiter
//   redis-replica.ts <port> rate-wait <name> <limit>              waits for the window forever
//   redis-replica.ts <port> keyed-work <name> <permits> <perKey> <key> <count> <ms>   on `go` (stdin),
//     sections of one key of a RedisKeyedSemaphore, counting themselves in Redis and logging
//     `<key> <token>` to `<name>:log`
//   redis-replica.ts <port> keyed-rate <name> <global limit> <key> <count> <interval>   sections of one
//     key through a RedisKeyedRateLimiter (3 per interval per key, <global limit> per interval in all)
//   redis-replica.ts <port> keyed-hold <name> <permits> <lease>  holds key 'k' ('holding') until it loses it
//   redis-replica.ts <port> drive - - <lease>                      sections steered by commands on stdin
//     (`acquire <name> <permits> <id> <weight>`, `kacquire <name> <permits> <id> <weight> <perKey> <key>`
//     for a RedisKeyedSemaphore, `release <id>`, `cancel <id>`), which log their
//     `enter <id> <token> <weight>` and `exit <id>` with Redis's time to the list `<name>:log`
import { createInterface } from 'node:readline';
import { NEVER, Observable, defer, lastValueFrom, mergeMap, range, type Subscription } from 'rxjs';
import { semaphoreMap, type PermitSource } from '../src/index.js';
import { RedisKeyedRateLimiter, RedisKeyedSemaphore, RedisRateLimiter, RedisSemaphore } from '../src/redis/index.js';
import { addressOf, inspector, library } from '../scripts/redis-target.js';

const [port, mode, name, permits, a, b, c, d] = process.argv.slice(2);
const address = addressOf(port!);
/** This process's own connection, to count and log in Redis; `lib`, the client its limits are given. */
const redis = inspector(address);
const { client: lib, close } = await library(address);
const quit = () => Promise.all([redis.quit(), close()]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (mode === 'work') {
  const sem = new RedisSemaphore(lib, name!, { permits: Number(permits) });
  const key = `${name}:inside`;
  await lastValueFrom(
    range(0, Number(a)).pipe(
      semaphoreMap(sem, () =>
        defer(async () => {
          const inside = await redis.incr(key);
          await redis.eval("if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]) end", 2, key, `${key}:most`, inside);
          await sleep(Number(b));
          await redis.decr(key);
          console.log(`done ${inside}`);
        }),
      ),
    ),
  );
  await quit();
} else if (mode === 'keyed-work') {
  // starts its sections on a line `go` on stdin, once it has said `ready`
  console.log('ready');
  const lines = createInterface({ input: process.stdin });
  await new Promise((go) => lines.once('line', go));
  lines.close();
  process.stdin.destroy();
  const keyed = new RedisKeyedSemaphore(lib, name!, { permits: Number(permits), perKey: Number(a) });
  const inside = `${name}:inside`;
  await lastValueFrom(
    range(0, Number(c)).pipe(
      mergeMap(() =>
        keyed.section(b!, (lease) =>
          defer(async () => {
            const now = await redis.incr(inside);
            await redis.eval("if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]) end", 2, inside, `${inside}:most`, now);
            await redis.rpush(`${name}:log`, `${b} ${lease.token}`);
            await sleep(Number(d));
            await redis.decr(inside);
          }),
        ),
      ),
    ),
  );
  await quit();
} else if (mode === 'keyed-rate') {
  const api = new RedisKeyedRateLimiter(lib, name!, { perKey: { limit: 3, interval: Number(c) }, global: { limit: Number(permits), interval: Number(c) } });
  await lastValueFrom(range(0, Number(b)).pipe(mergeMap(() => api.section(a!, defer(async () => undefined)))));
  await quit();
} else if (mode === 'keyed-hold') {
  const keyed = new RedisKeyedSemaphore(lib, name!, { permits: Number(permits), lease: Number(a) });
  keyed
    .section('k', defer(() => (console.log('holding'), new Observable<never>(() => () => console.log('torn down')))))
    .subscribe({ error: (e: Error) => console.log(`lost ${e.name}`) });
} else if (mode === 'hold') {
  const sem = new RedisSemaphore(lib, name!, { permits: Number(permits), lease: Number(a) });
  sem
    .section(defer(() => (console.log('holding'), new Observable<never>(() => () => console.log('torn down')))))
    .subscribe({ error: (e: Error) => console.log(`lost ${e.name}`) });
} else if (mode === 'rate') {
  // <count> sections through a RedisRateLimiter { limit: permits, interval: a… }; prints each start's Redis time
  const api = new RedisRateLimiter(lib, name!, { limit: Number(permits), interval: Number(b) });
  await lastValueFrom(
    range(0, Number(a)).pipe(
      mergeMap(() =>
        api.section(
          defer(async () => {
            const [seconds, micros] = await redis.time();
            console.log(`start ${Number(seconds) * 1000 + Number(micros) / 1000}`);
          }),
        ),
      ),
    ),
  );
  await quit();
} else if (mode === 'rate-wait') {
  const api = new RedisRateLimiter(lib, name!, { limit: Number(permits), interval: 60_000 });
  api.section(NEVER).subscribe();
} else if (mode === 'wait') {
  const sem = new RedisSemaphore(lib, name!, { permits: Number(permits), lease: 30_000 });
  sem.section(NEVER).subscribe();
} else if (mode === 'drive') {
  const semaphores = new Map<string, (key: string) => PermitSource>();
  const sections = new Map<string, { subscription?: Subscription; release?: () => void; releaseOnEntry?: boolean }>();
  // one script on the semaphore's own connection: a log line goes out before the release that follows it
  const log = (list: string, line: string) =>
    redis.eval("local t = redis.call('TIME') redis.call('RPUSH', KEYS[1], ARGV[1] .. ' ' .. (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))) return 1", 1, list, line);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, ...rest] = line.split(' ');
    if (command === 'acquire' || command === 'kacquire') {
      // kacquire …: a section of <key> of a RedisKeyedSemaphore whose cap per key is <perKey>
      const [semName, semPermits, id, weight, perKey, key] = rest as [string, string, string, string, string, string];
      let sourceOf = semaphores.get(semName);
      if (!sourceOf) {
        const options = { permits: Number(semPermits), lease: Number(a) };
        if (command === 'acquire') {
          const plain = new RedisSemaphore(lib, semName, options);
          sourceOf = () => plain;
        } else {
          const keyed = new RedisKeyedSemaphore(lib, semName, { ...options, perKey: Number(perKey) });
          sourceOf = (k) => keyed.forKey(k);
        }
        semaphores.set(semName, sourceOf);
      }
      const sem = sourceOf(key ?? '');
      const section: { subscription?: Subscription; release?: () => void; releaseOnEntry?: boolean } = {};
      sections.set(id, section);
      section.subscription = sem
        .section(
          (lease) =>
            new Observable<never>((subscriber) => {
              void log(`${semName}:log`, `enter ${id} ${lease.token} ${weight}`);
              // the exit's log line is in place before the section can end, so it goes out before the
              // release (a teardown returned after a synchronous complete would run after it): a
              // process killed between the two leaves a section that Redis still holds, never one
              // that Redis let go of without its exit logged
              subscriber.add(() => void log(`${semName}:log`, `exit ${id}`));
              section.release = () => subscriber.complete();
              // released while it waited: it leaves as soon as it is in
              if (section.releaseOnEntry) subscriber.complete();
            }),
          Number(weight),
        )
        .subscribe({ error: (e: Error) => console.log(`error ${id} ${e.name}`) });
    } else if (command === 'release') {
      const section = sections.get(rest[0]!);
      if (section?.release) section.release();
      else if (section) section.releaseOnEntry = true;
    }
    else if (command === 'cancel') sections.get(rest[0]!)?.subscription?.unsubscribe();
  });
  console.log('ready');
}
