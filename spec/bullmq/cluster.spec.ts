// createQueuePool and serveQueue on a real Redis Cluster (3 masters, 3 replicas), BullMQ's keys in
// one slot through the hash-tagged prefix `{bull}`: tasks run, values stream, a running job's cancel
// reaches the serving process through its ioredis Cluster client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Cluster } from 'ioredis';
import { lastValueFrom, take, toArray } from 'rxjs';
import { fromWorker } from '../../src/index.js';
import { createQueuePool } from '../../src/bullmq/index.js';
import type { tasks } from '../../examples/queue-tasks.js';
import { startRedisCluster, type RedisCluster } from '../../scripts/redis-server.js';
import { waitFor } from '../redis/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let cluster: RedisCluster;
const children: ChildProcess[] = [];
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await cluster?.stop();
});

describe('createQueuePool + serveQueue on a Redis Cluster (prefix {bull})', () => {
  it('runs tasks in the serving process, streams values, and a running job’s cancel aborts it there', async () => {
    const queue = `cq${process.pid}`;
    const child = spawn(process.execPath, ['--import', 'tsx', `${root}examples/queue-server.ts`, `cluster:${cluster.ports.join(',')}`, queue, '1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const lines: string[] = [];
    child.stdout!.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => lines.push(`stderr: ${d.trim()}`));
    await waitFor(() => lines.includes('ready') || lines.some((l) => l.startsWith('stderr')), 30_000);
    expect(lines.filter((l) => l.startsWith('stderr'))).toEqual([]);
    const connection = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: { maxRetriesPerRequest: null } });
    const pool = createQueuePool<typeof tasks>({ connection, queue, prefix: '{bull}' });
    try {
      expect(await lastValueFrom(fromWorker(pool, 'add', 2, 3))).toBe(5);
      expect(await lastValueFrom(fromWorker(pool, 'countSlowly', 1000, 20, 'stream').pipe(take(3), toArray()))).toEqual([1, 2, 3]);
      const waiting = fromWorker(pool, 'wait', 'async', 60_000).subscribe({ error: () => undefined });
      await waitFor(() => lines.includes('start async'));
      await waitFor(() => pool.stats.busy === 1);
      waiting.unsubscribe();
      await waitFor(() => lines.includes('aborted async'));
      expect(await lastValueFrom(fromWorker(pool, 'pid'))).toBe(child.pid);
    } finally {
      await pool.terminate();
      connection.disconnect();
    }
  }, 60_000);
});
