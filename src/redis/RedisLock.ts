import type { RedisClient } from './client.js';
import { checkOptions } from '../internal/core/validate.js';
import { RedisSemaphore } from './RedisSemaphore.js';

/** Options of {@link RedisLock}. */
export interface RedisLockOptions {
  /** Ms the holder keeps the lock without renewing (it renews while subscribed). Default 10 000. */
  readonly lease?: number;
  /** Replicas that must hold a grant before its section starts (`WAIT`), as `RedisSemaphore`'s option. Default 0. */
  readonly replicas?: number;
}

/**
 * A lock whose state lives in Redis, shared by every process that uses the same `name`: asyncio's
 * `Lock` across replicas. A `RedisSemaphore` of one permit, with its FIFO queue, pushed hand-off,
 * leases and fencing tokens; `lockedSection(new RedisLock(redis, 'report'), project)` runs one
 * section at a time across all of them. Not re-entrant.
 *
 * ```text
 * process A:  lock.section(a$)  ^-----!
 * process B:  lock.section(b$)    ^ waits ^---!
 * ```
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { lockedSection } from 'rxjs-concurrency';
 * import { RedisLock } from 'rxjs-concurrency/redis';
 *
 * const lock = new RedisLock(new Redis(process.env.REDIS_URL!), 'nightly-report', { lease: 30_000 });
 * trigger$.pipe(lockedSection(lock, () => buildReport())).subscribe();
 * ```
 */
export class RedisLock extends RedisSemaphore {
  /**
   * @param client an `ioredis` or `iovalkey` client (`Redis` or `Cluster`), or a connected `node-redis` client (`createClient` or `createCluster`)
   * @param name the lock's name, shared by every process that uses it on the same Redis
   * @param options `{ lease = 10_000, replicas = 0 }`
   */
  constructor(client: RedisClient, name: string, options?: RedisLockOptions) {
    const { lease, replicas } = checkOptions('RedisLock', options);
    super(client, name, { permits: 1, lease, replicas });
  }
}
