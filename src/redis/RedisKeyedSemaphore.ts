import { randomUUID } from 'node:crypto';
import type { Observable, ObservableInput, OperatorFunction } from 'rxjs';
import type { RedisClient } from './client.js';
import { checkInteger, checkOptions, typeError } from '../internal/core/validate.js';
import { sectionInput } from '../internal/sections/gatedSection.js';
import { shareOf } from '../internal/sections/keyedSection.js';
import type { KeyedPermitSource, Lease, PermitSource } from '../types.js';
import { checkClientAndName, replicasOption } from './connection.js';
import { NO_LIMIT, keyOf, keyedMap, withShare } from './keyed.js';
import { KACQUIRE, KCANCEL, KKEEP, KRELEASE } from './keyedScripts.js';
import { RedisPermitCore } from './permitCore.js';
import { timed, type ObservedKind, type SectionHandlers } from '../internal/sections/observe.js';

/** Options of {@link RedisKeyedSemaphore}. */
export interface RedisKeyedSemaphoreOptions<K> {
  /** The global capacity, the same in every process: an integer ≥ 1, or `Infinity` for none. */
  readonly permits: number;
  /** The most weight one key may hold at once: an integer ≥ 1 (or `Infinity`). Default: `permits`. */
  readonly perKey?: number;
  /** Ms a holder keeps its permits without renewing (it renews while subscribed). Default 10 000. */
  readonly lease?: number;
  /** A key's part when keys compete (a finite number > 0), the same for a key in every process. Default 1. */
  readonly share?: (key: K) => number;
  /** Replicas that must hold a grant before its section starts (`WAIT`), as `RedisSemaphore`'s option. Default 0. */
  readonly replicas?: number;
}

const checkCount = (fn: string, param: string, value: unknown): number =>
  value === Infinity ? Infinity : checkInteger(fn, param, value, 1, Infinity, 'an integer from 1 up or Infinity');

/**
 * `KeyedSemaphore` across processes and machines: one global number of permits and a cap per key,
 * kept in Redis for every process that uses the same `name`, with grants that rotate fairly across
 * the keys that wait (deficit round robin, weighted by `share`) — done in Redis, atomically, with
 * Redis's clock. Within a key, strict FIFO with weights in the order the waiters reached Redis.
 *
 * As `RedisSemaphore`: the hand-off is pushed by Redis (nobody polls), a holder renews its lease
 * while subscribed and errors with `LeaseLostError` when Redis forgot it, a dead process frees its
 * permits within its lease and its waiters within a 2 s heartbeat, and `lease.token` is a fencing
 * token (one sequence across keys). A key that neither holds nor waits leaves nothing in Redis.
 * The current state lives in Redis: `waiting` counts this process's waiting sections only.
 *
 * ```text
 * process A:  keyed.section('a', a1) … ('a', a3)   a1 ^-!  a2 ^-!  a3 ^-!   (permits 1)
 * process B:  keyed.section('x', x1)               x1 gets the turn after a2, not after a3
 * ```
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { semaphoreMap } from 'rxjs-concurrency';
 * import { RedisKeyedSemaphore } from 'rxjs-concurrency/redis';
 *
 * // 8 calls at once across every replica, at most 2 per tenant, the tenants taking turns
 * const upstream = new RedisKeyedSemaphore(new Redis(process.env.REDIS_URL!), 'upstream', { permits: 8, perKey: 2 });
 * requests$.pipe(semaphoreMap(upstream, (r) => callUpstream(r), { key: (r) => r.tenant })).subscribe();
 * ```
 */
export class RedisKeyedSemaphore<K extends string | number = string> implements KeyedPermitSource<K> {
  /** The global capacity. */
  readonly permits: number;
  /** The most weight one key may hold at once. */
  readonly perKey: number;
  readonly #core: RedisPermitCore;
  readonly #share: (key: K) => number;

  /**
   * @param client an `ioredis` or `iovalkey` client (`Redis` or `Cluster`), or a connected `node-redis` client (`createClient` or `createCluster`)
   * @param name the semaphore's name: every process that uses it on the same Redis shares the permits
   * @param options `{ permits, perKey = permits, lease = 10_000, share = () => 1, replicas = 0 }`
   */
  constructor(client: RedisClient, name: string, options: RedisKeyedSemaphoreOptions<K>) {
    const fn = 'RedisKeyedSemaphore';
    const conn = checkClientAndName(fn, client, name);
    if (options === null || typeof options !== 'object') typeError(fn, 'options', 'an object { permits, perKey?, lease?, share?, replicas? }', options);
    const opts = checkOptions(fn, options);
    this.permits = checkCount(fn, 'options.permits', opts.permits);
    this.perKey = Math.min(this.permits, opts.perKey === undefined ? Infinity : checkCount(fn, 'options.perKey', opts.perKey));
    const lease = opts.lease === undefined ? 10_000 : checkInteger(fn, 'options.lease', opts.lease, 100);
    this.#share = shareOf(fn, opts.share);
    const replicas = replicasOption(fn, conn, opts.replicas);
    const scripts = { acquire: KACQUIRE, release: KRELEASE, cancel: KCANCEL, keep: KKEEP };
    const config = [Math.min(this.permits, NO_LIMIT), lease, Math.min(this.perKey, NO_LIMIT)];
    // one hash tag per name: every key of the semaphore, every tenant's included, lives in one Cluster slot
    this.#core = new RedisPermitCore(conn, `rxk:{${name}}:`, randomUUID(), `RedisKeyedSemaphore '${name}'`, scripts, config, lease, replicas);
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
   * Runs `source` as a critical section of `key` holding `weight` permits: waits for them (FIFO
   * within the key, in turn across keys, across every process), subscribes, renews the lease while
   * subscribed, and gives them back once the source has ended or been unsubscribed and its teardown
   * has run. A factory `(lease) => source` is called when the permits are granted.
   */
  section<T>(key: K, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight = 1): Observable<T> {
    return this.#section('RedisKeyedSemaphore.section', key, source, weight);
  }

  #section<T>(fn: string, key: K, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight: number): Observable<T> {
    const k = keyOf(fn, key);
    const input = sectionInput(fn, source);
    if (weight !== 1) checkInteger(fn, 'weight', weight, 1, this.perKey);
    return withShare(key, this.#share, (share) => this.#core.section(input, weight, [k, share]));
  }

  /** The permits of one key as a `PermitSource`, for `semaphoreMap`, `lockedSection` and the like. */
  forKey(key: K): PermitSource {
    keyOf('RedisKeyedSemaphore.forKey', key);
    return {
      permits: this.perKey,
      section: <T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight = 1) => this.#section<T>('RedisKeyedSemaphore.forKey(key).section', key, source, weight),
    };
  }

  /** @internal `semaphoreMap(this, project, { key, weight })`. */
  map_<T, R>(fn: string, project: (value: T, index: number) => ObservableInput<R>, options: unknown): OperatorFunction<T, R> {
    return keyedMap(fn, { permits: this.perKey, section: (key: K, source, weight) => this.section(key, source, weight) }, project, options as never, 'weight');
  }
}
