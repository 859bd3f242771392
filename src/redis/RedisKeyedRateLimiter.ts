import { randomUUID } from 'node:crypto';
import type { Observable, ObservableInput, OperatorFunction } from 'rxjs';
import type { RedisClient } from './client.js';
import { checkInteger, checkOptions, rangeError, typeError } from '../internal/core/validate.js';
import { sectionInput } from '../internal/sections/gatedSection.js';
import { shareOf } from '../internal/sections/keyedSection.js';
import type { RateWindows } from '../KeyedRateLimiter.js';
import { checkRateOptions, type RateWindow } from '../RateLimiter.js';
import type { KeyedPermitSource, Lease, PermitSource } from '../types.js';
import { checkClientAndName } from './connection.js';
import { keyOf, keyedMap, withShare } from './keyed.js';
import { KRACQUIRE, KRCANCEL, KRKEEP } from './keyedScripts.js';
import { RedisRateCore } from './rateCore.js';
import { timed, type ObservedKind, type SectionHandlers } from '../internal/sections/observe.js';

/** Options of {@link RedisKeyedRateLimiter}; every process that shares the name gives the same. */
export interface RedisKeyedRateLimiterOptions<K> {
  /** Each key's own window(s) (intervals in whole ms of Redis's clock). */
  readonly perKey: RateWindows;
  /** A window (or several) shared by all keys, which they take turns in when it binds. */
  readonly global?: RateWindows;
  /** A key's part when keys compete for the global window (a finite number > 0). Default 1. */
  readonly share?: (key: K) => number;
}

/**
 * `KeyedRateLimiter` across processes and machines: a strict sliding window per key and, if given,
 * global ones, each one window or several at once, kept in Redis (with Redis's clock) for every
 * process that uses the same `name`. Within a key, strict FIFO with costs in the order the waiters
 * reached Redis; across keys, when a global window binds, the keys with a waiter take turns for it
 * (deficit round robin weighted by `share`), in Redis. A started section keeps its cost; a waiting
 * one that unsubscribes takes nothing. Starts are pushed by Redis; the waiting processes sleep
 * until the Redis time at which a head fits. A key's starts expire from Redis with its windows: an
 * idle key leaves nothing there. A factory's `lease.token` is the start's Redis time (ms).
 *
 * ```text
 * process A:  api.section('a', …) ×3   a1 starts; a2, a3 wait      (global 1 per 100 ms)
 * process B:  api.section('x', …)      x1 starts after a2, before a3
 * ```
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { rateLimitMap } from 'rxjs-concurrency';
 * import { RedisKeyedRateLimiter } from 'rxjs-concurrency/redis';
 *
 * // each tenant 5 calls per second, 20 per second in all, across every replica
 * const api = new RedisKeyedRateLimiter(new Redis(process.env.REDIS_URL!), 'partner-api', {
 *   perKey: { limit: 5, interval: 1000 },
 *   global: { limit: 20, interval: 1000 },
 * });
 * requests$.pipe(rateLimitMap(api, (r) => call(r), { key: (r) => r.tenant })).subscribe();
 * ```
 */
export class RedisKeyedRateLimiter<K extends string | number = string> implements KeyedPermitSource<K> {
  /** The most one section may cost: the smallest limit of the windows. */
  readonly permits: number;
  readonly #core: RedisRateCore;
  readonly #share: (key: K) => number;

  /**
   * @param client an `ioredis` or `iovalkey` client (`Redis` or `Cluster`), or a connected `node-redis` client (`createClient` or `createCluster`)
   * @param name the limiter's name: every process that uses it on the same Redis shares the windows
   * @param options `{ perKey, global?, share? }`
   */
  constructor(client: RedisClient, name: string, options: RedisKeyedRateLimiterOptions<K>) {
    const fn = 'RedisKeyedRateLimiter';
    const conn = checkClientAndName(fn, client, name);
    if (options === null || typeof options !== 'object') typeError(fn, 'options', 'an object { perKey, global?, share? }', options);
    const opts = checkOptions(fn, options);
    const perKey = wholeMs(fn, 'options.perKey', checkRateOptions(fn, opts.perKey as never, 'options.perKey'));
    const global = opts.global === undefined ? [] : wholeMs(fn, 'options.global', checkRateOptions(fn, opts.global as never, 'options.global'));
    this.permits = Math.min(...perKey.map((w) => w.limit), ...global.map((w) => w.limit));
    this.#share = shareOf(fn, opts.share);
    const flat = (windows: RateWindow[]) => [windows.length, ...windows.flatMap((w) => [w.limit, w.interval])];
    const scripts = { acquire: KRACQUIRE, cancel: KRCANCEL, keep: KRKEEP };
    this.#core = new RedisRateCore(conn, `rxq:{${name}}:`, randomUUID(), `RedisKeyedRateLimiter '${name}'`, scripts, [...flat(perKey), ...flat(global)]);
  }

  /** @internal Installs (or, with undefined, removes) the observer of this process's sections. */
  observe_(handlers: SectionHandlers | undefined): ObservedKind {
    this.#core.observer = handlers && timed(() => performance.now(), handlers);
    return 'rate';
  }

  /** Sections of this process waiting for room. */
  get waiting(): number {
    return this.#core.waiting;
  }

  /**
   * Runs `source` once starting it keeps `key`'s windows and the global ones, across every process:
   * it counts `cost` in each from the moment it starts. A factory `(lease) => source` is called at
   * the start.
   */
  section<T>(key: K, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), cost = 1): Observable<T> {
    return this.#section('RedisKeyedRateLimiter.section', key, source, cost);
  }

  #section<T>(fn: string, key: K, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), cost: number): Observable<T> {
    const k = keyOf(fn, key);
    const input = sectionInput(fn, source);
    if (cost !== 1) checkInteger(fn, 'cost', cost, 1, this.permits);
    return withShare(key, this.#share, (share) => this.#core.section(input, cost, [k, share], [k, cost]));
  }

  /** One key's rate as a `PermitSource` (its `permits` is the most one section may cost). */
  forKey(key: K): PermitSource {
    keyOf('RedisKeyedRateLimiter.forKey', key);
    return {
      permits: this.permits,
      section: <T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), cost = 1) => this.#section<T>('RedisKeyedRateLimiter.forKey(key).section', key, source, cost),
    };
  }

  /** @internal `rateLimitMap(this, project, { key, cost, concurrency })`. */
  map_<T, R>(fn: string, project: (value: T, index: number) => ObservableInput<R>, options: unknown): OperatorFunction<T, R> {
    return keyedMap(fn, { permits: this.permits, section: (key: K, source, cost) => this.section(key, source, cost) }, project, options as never, 'cost');
  }
}

/** Redis keeps times in whole ms: a window's interval must be an integer. */
function wholeMs(fn: string, at: string, windows: RateWindow[]): RateWindow[] {
  windows.forEach((w, i) => Number.isInteger(w.interval) || rangeError(fn, `${at}${windows.length > 1 ? `.windows[${i}]` : ''}.interval`, 'an integer number of milliseconds', w.interval));
  return windows;
}
