import { describe, it, expect } from 'vitest';
import { createLog } from '../examples/log.js';
import raceMirrors from '../examples/race-mirrors.js';
import asCompleted from '../examples/as-completed.js';
import gather from '../examples/gather.js';
import deadline from '../examples/deadline.js';
import sharedCounter from '../examples/shared-counter.js';
import apiSemaphore from '../examples/api-semaphore.js';
import rateLimit from '../examples/rate-limit.js';
import redisShared from '../examples/redis-shared.js';
import cancelCleanup from '../examples/cancel-cleanup.js';
import gracefulShutdown from '../examples/graceful-shutdown.js';
import executor from '../examples/executor.js';

describe('the demo scenarios (examples/*.ts) do what the docs say', () => {
  it('race-mirrors: B wins, A and C are cancelled; the hedged race is won by the backup', async () => {
    const log = createLog(false);
    expect(await raceMirrors(log)).toEqual(['data from B', 'data from backup']);
    expect(log.lines).toContain('API A: cancelled');
    expect(log.lines).toContain('API C: cancelled');
    expect(log.lines).toContain('API slow: cancelled');
    expect(log.lines).not.toContain('API spare: starting fetch (60 ms)');
  });

  it('rate-limit: 12 calls from two streams, never more than 5 started in any second', async () => {
    const { most, starts } = await rateLimit(createLog(false));
    expect(starts).toHaveLength(12);
    expect(most).toBe(5);
    // the 6th to 10th had to wait a whole interval, the 11th and 12th another: a generous floor
    expect(starts[11]).toBeGreaterThanOrEqual(1990);
  });

  it('redis-shared: three processes share RedisSemaphore(2), never more than 2 inside', async () => {
    // npm test installs redis-server (scripts/ensure-debian.sh), so the scenario runs here
    const result = await redisShared(createLog(false));
    expect(result).toEqual({ most: 2, done: 9 });
  }, 60_000);

  it('as-completed: durations 3, 1, 2 arrive as 2, 3, 1', async () => {
    expect(await asCompleted(createLog(false))).toEqual([2, 3, 1]);
  });

  it('gather: tasks 0, 4 and 8 fail and the rest succeed', async () => {
    expect(await gather(createLog(false))).toEqual([0, 4, 8]);
  });

  it('deadline: the cleanup line comes before the timeout line', async () => {
    const log = createLog(false);
    expect(await deadline(log)).toBe('timeout');
    const cleanup = log.lines.indexOf('slow operation: cleanup ran');
    const timedOut = log.lines.indexOf('timed out after 200 ms (TimeoutError)');
    expect(cleanup).toBeGreaterThanOrEqual(0);
    expect(cleanup).toBeLessThan(timedOut);
    expect(log.lines.at(-1)).toBe('with a fallback: cached value');
  });

  it('shared-counter: exactly 1000 with the lock, fewer without', async () => {
    const [unsafe, safe] = await sharedCounter(createLog(false));
    expect(safe).toBe(1000);
    expect(unsafe).toBeLessThan(1000);
  });

  it('api-semaphore: never more than 3 calls inside', async () => {
    const log = createLog(false);
    expect(await apiSemaphore(log)).toBe(3);
    const insides = log.lines.flatMap((l) => /(\d+) inside/.exec(l)?.[1] ?? []).map(Number);
    expect(insides).toHaveLength(10);
    expect(Math.max(...insides)).toBe(3);
  });

  it('cancel-cleanup: the cleanup finishes before main reports the task done', async () => {
    const log = createLog(false);
    await cancelCleanup(log);
    const at = (line: string) => log.lines.indexOf(line);
    expect(at('task: cancelled, cleaning up…')).toBeGreaterThan(at('main: cancelling the task'));
    expect(at('task: cleanup finished')).toBeGreaterThan(at('task: cancelled, cleaning up…'));
    expect(at('main: the task is cancelled and its cleanup is done')).toBe(log.lines.length - 1);
  });

  it('graceful-shutdown: the child cleans up and exits 0 after SIGINT', async () => {
    const log = createLog(false);
    expect(await gracefulShutdown(log)).toBe(0);
    expect(log.lines).toContain('service: cleanup finished');
    expect(log.lines).toContain('service: stopped cleanly by SIGINT');
  });

  it('executor: the main thread ticks while fib runs in a worker; the long task is cancelled', async () => {
    const log = createLog(false);
    const { ticks, result, cancelled } = await executor(log);
    expect(result).toBe(39088169);
    expect(ticks).toBeGreaterThan(0);
    expect(cancelled).toBe(true);
    expect(log.lines.at(-1)).toBe('worker said: 4 (2 + 2, from the same pool)');
  });
});
