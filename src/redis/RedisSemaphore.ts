import { randomUUID } from 'node:crypto';
import type { Observable, ObservableInput } from 'rxjs';
import type { RedisClient } from './client.js';
import { checkInteger, checkOptions } from '../internal/core/validate.js';
import { sectionInput } from '../internal/sections/gatedSection.js';
import type { Lease, PermitSource } from '../types.js';
import { checkClientAndName, replicasOption } from './connection.js';
import { RedisPermitCore } from './permitCore.js';
import { ACQUIRE, CANCEL, KEEP, RELEASE } from './scripts.js';
import { timed, type ObservedKind, type SectionHandlers } from '../internal/sections/observe.js';

/** Options of {@link RedisSemaphore}. */
export interface RedisSemaphoreOptions {
  /** The capacity, the same in every process that shares the name: an integer ≥ 1. */
  readonly permits: number;
  /** Ms a holder keeps its permits without renewing (it renews while subscribed). Default 10 000. */
  readonly lease?: number;
  /**
   * Replicas that must hold a grant before its section starts: after a grant, the process renews the
   * lease and sends `WAIT replicas`, and asks again while fewer acknowledge. With 1 on a master with
   * one replica under Sentinel, a failover no longer loses a grant, so no two sections hold one permit
   * (see "Failover" in docs/redis.md). Costs a round trip to the replica per grant. Default 0: the
   * grant counts once the master has it. Not with a Redis Cluster client.
   */
  readonly replicas?: number;
}

/**
 * A `Semaphore` whose permits live in Redis, shared by every process (on any machine) that uses the
 * same `name` on the same Redis: asyncio's `Semaphore` across replicas. It is a `PermitSource`, so
 * `semaphoreMap(new RedisSemaphore(redis, 'api', { permits: 3 }), project)` limits all replicas
 * together.
 *
 * - At most `permits` weight held across all processes; strict FIFO in the order the waiters reached
 *   Redis (a heavy waiter blocks the lighter ones behind it); no barging. Every decision is a Lua
 *   script that runs atomically in Redis, with Redis's clock.
 * - Hand-off is pushed: when permits free up, the script hands them to the head waiter and publishes
 *   the grant to its process. No client polls.
 * - Permits go back after the source's teardown. A waiter that unsubscribes leaves the queue
 *   atomically.
 * - Leases: a holding section renews its lease while subscribed. When the lease is lost (the process
 *   stalled past `lease`, the key vanished, Redis restarted), the source is unsubscribed,
 *   `lease.signal` aborts, and the section errors with `LeaseLostError`; a release that finds the
 *   lease gone errors the section with it too. A dead process frees its permits within `lease`, and
 *   its queued waiters within a 2 s heartbeat.
 * - `lease.token` (a factory section's `Lease`) is a fencing token that grows with every grant.
 * - Connections: `client` for the scripts, and one `client.duplicate()` to hear grants, made when a
 *   section first waits and closed when none waits.
 *
 * ```text
 * process A:  quota.section(a$)  ^-------!                holds 1 of 2
 * process B:  quota.section(b$)  ^---!                    holds 1 of 2
 * process C:  quota.section(c$)    ^ waits ^-----!        granted when B releases
 * ```
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { semaphoreMap } from 'rxjs-concurrency';
 * import { RedisSemaphore } from 'rxjs-concurrency/redis';
 *
 * const quota = new RedisSemaphore(new Redis(process.env.REDIS_URL!), 'api-quota', { permits: 3 });
 * ids$.pipe(semaphoreMap(quota, (id) => fetchItem(id))).subscribe(save); // ≤ 3 in flight across replicas
 * ```
 */
export class RedisSemaphore implements PermitSource {
  readonly permits: number;
  readonly #core: RedisPermitCore;

  /**
   * @param client an `ioredis` or `iovalkey` client (`Redis` or `Cluster`), or a connected `node-redis` client (`createClient` or `createCluster`)
   * @param name the semaphore's name: every process that uses it on the same Redis shares the permits
   * @param options `{ permits, lease = 10_000, replicas = 0 }`
   */
  constructor(client: RedisClient, name: string, options: RedisSemaphoreOptions) {
    const fn = new.target === RedisSemaphore ? 'RedisSemaphore' : 'RedisLock';
    const conn = checkClientAndName(fn, client, name);
    const opts = checkOptions(fn, options);
    this.permits = checkInteger(fn, 'options.permits', opts.permits, 1);
    const lease = opts.lease === undefined ? 10_000 : checkInteger(fn, 'options.lease', opts.lease, 100);
    const replicas = replicasOption(fn, conn, opts.replicas);
    // one hash tag per name: every key of a semaphore lives in one Redis Cluster slot
    const scripts = { acquire: ACQUIRE, release: RELEASE, cancel: CANCEL, keep: KEEP, processBeat: true };
    this.#core = new RedisPermitCore(conn, `rxc:{${name}}:`, randomUUID(), `RedisSemaphore '${name}'`, scripts, [this.permits, lease], lease, replicas);
  }

  /** @internal Installs (or, with undefined, removes) the observer of this process's sections. */
  observe_(handlers: SectionHandlers | undefined): ObservedKind {
    this.#core.observer = handlers && timed(() => performance.now(), handlers);
    return 'permits';
  }

  /** @internal Weight held by this process's sections now. */
  get inUse_(): number {
    return this.#core.inUse;
  }

  /** Sections of this process waiting for permits. */
  get waiting(): number {
    return this.#core.waiting;
  }

  /**
   * Runs `source` holding `weight` permits of this Redis semaphore: waits for them (in Redis's FIFO
   * queue), subscribes, renews the lease while subscribed, and gives the permits back once the source
   * has ended or been unsubscribed and its teardown has run. A factory `(lease) => source` is called
   * when the permits are granted.
   */
  section<T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight = 1): Observable<T> {
    const fn = `${this.constructor === RedisSemaphore ? 'RedisSemaphore' : 'RedisLock'}.section`;
    const input = sectionInput(fn, source);
    if (weight !== 1) checkInteger(fn, 'weight', weight, 1, this.permits);
    return this.#core.section(input, weight, []);
  }
}
