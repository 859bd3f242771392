import { randomUUID } from 'node:crypto';
import type { Observable, ObservableInput } from 'rxjs';
import type { RedisClient } from './client.js';
import { checkInteger, checkOptions, rangeError, typeError } from '../internal/core/validate.js';
import { toObservable } from '../internal/core/inputs.js';
import { checkClientAndName } from './connection.js';
import { RedisRateCore } from './rateCore.js';
import { RACQUIRE, RCANCEL, RKEEP } from './rateScripts.js';
import { timed, type ObservedKind, type SectionHandlers } from '../internal/sections/observe.js';

/** Options of {@link RedisRateLimiter}: at most `limit` cost started in any `interval` ms, across processes. */
export interface RedisRateLimiterOptions {
  /** The most cost that may start in any span of `interval` ms: an integer ≥ 1, the same in every process. */
  readonly limit: number;
  /** The span, in ms (Redis's clock): an integer ≥ 1. */
  readonly interval: number;
}

/**
 * `RateLimiter` across processes and machines: the strict sliding window kept in Redis for every
 * process that uses the same `name`. In any span of `interval` ms (by Redis's clock) the costs of the
 * sections *started* in all processes add up to at most `limit`. Strict FIFO with costs, in the
 * order the waiters reached Redis; a waiter that unsubscribes takes nothing from the window, a
 * started section keeps its cost.
 *
 * Nobody polls: a start that frees room is published to the waiting process, and the processes that
 * wait sleep until the Redis time at which the head of the queue will fit (each script returns it),
 * with a 2 s heartbeat that also forgets the waiters of a dead process.
 *
 * ```text
 * process A:  api.section(a$)   ^            starts at once
 * process B:  api.section(b$)   ^            starts at once     (limit 2 per 1000 ms)
 * process C:  api.section(c$)    ^ waits ---^  starts 1000 ms after A's start
 * ```
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisRateLimiter } from 'rxjs-concurrency/redis';
 *
 * const api = new RedisRateLimiter(new Redis(process.env.REDIS_URL!), 'partner-api', { limit: 10, interval: 1000 });
 * ids$.pipe(mergeMap((id) => api.section(defer(() => fetchItem(id))))).subscribe(save); // ≤ 10/s across replicas
 * ```
 */
export class RedisRateLimiter {
  readonly limit: number;
  readonly interval: number;
  readonly #core: RedisRateCore;

  /**
   * @param client an `ioredis` or `iovalkey` client (`Redis` or `Cluster`), or a connected `node-redis` client (`createClient` or `createCluster`)
   * @param name the limiter's name: every process that uses it on the same Redis shares the window
   * @param options `{ limit, interval }`
   */
  constructor(client: RedisClient, name: string, options: RedisRateLimiterOptions) {
    const fn = 'RedisRateLimiter';
    const conn = checkClientAndName(fn, client, name);
    if (options === undefined || options === null || typeof options !== 'object') typeError(fn, 'options', 'an object { limit, interval }', options);
    const opts = checkOptions(fn, options);
    this.limit = checkInteger(fn, 'options.limit', opts.limit, 1);
    if (typeof opts.interval !== 'number') typeError(fn, 'options.interval', 'an integer number of milliseconds from 1 up', opts.interval);
    if (!Number.isInteger(opts.interval) || opts.interval < 1) rangeError(fn, 'options.interval', 'an integer number of milliseconds from 1 up', opts.interval);
    this.interval = opts.interval;
    const scripts = { acquire: RACQUIRE, cancel: RCANCEL, keep: RKEEP };
    this.#core = new RedisRateCore(conn, `rxr:{${name}}:`, randomUUID(), `RedisRateLimiter '${name}'`, scripts, [this.limit, this.interval]);
  }

  /** @internal Installs (or, with undefined, removes) the observer of this process's sections. */
  observe_(handlers: SectionHandlers | undefined): ObservedKind {
    this.#core.observer = handlers && timed(() => performance.now(), handlers);
    return 'rate';
  }

  /** Sections of this process waiting for room in the window. */
  get waiting(): number {
    return this.#core.waiting;
  }

  /**
   * Runs `source` once starting it keeps the limit across every process: it counts `cost` (an
   * integer from 1 to `limit`) in the window from the moment it starts.
   */
  section<T>(source: ObservableInput<T>, cost = 1): Observable<T> {
    const fn = 'RedisRateLimiter.section';
    const input = toObservable(fn, 'source', source);
    if (cost !== 1) checkInteger(fn, 'cost', cost, 1, this.limit);
    return this.#core.section(input, cost, [], []);
  }
}
