// Three processes share one RedisSemaphore(2): never more than two sections inside at once, across
// all of them. Starts its own redis-server on a free loopback port when one is installed; says so
// and skips when none is.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis } from '../scripts/redis-server.js';
import { runIfMain, type Log } from './log.js';

export default async function redisShared(log: Log): Promise<{ most: number; done: number } | undefined> {
  if (spawnSync(process.env.REDIS_SERVER ?? 'redis-server', ['--version']).status !== 0) {
    log('-- skipped: no redis-server installed (apt-get install redis-server)');
    return undefined;
  }
  const server = await startRedis();
  log(`-- RedisSemaphore(2) shared by 3 processes (a redis-server started on port ${server.port})`);
  const name = `demo-${process.pid}`;
  const replica = fileURLToPath(new URL('./redis-replica.ts', import.meta.url));
  let done = 0;
  await Promise.all(
    [1, 2, 3].map(
      (k) =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', replica, String(server.port), 'work', name, '2', '3', '60'], { stdio: ['ignore', 'pipe', 'inherit'] });
          child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
            for (const line of chunk.trim().split('\n')) {
              done++;
              log(`process ${k}: a section ended (${line.split(' ')[1]} inside when it started)`);
            }
          });
          child.on('exit', () => resolve());
        }),
    ),
  );
  const redis = new Redis({ port: server.port, host: '127.0.0.1' });
  const most = Number(await redis.get(`${name}:inside:most`));
  await redis.quit();
  await server.stop();
  log(`${done} sections in 3 processes; the most inside at once, counted in Redis: ${most}`);
  return { most, done };
}

runIfMain(import.meta.url, redisShared);
