import { Observable, asyncScheduler, mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import { checkConcurrency, checkFunction, checkOptions, typeError } from './internal/core/validate.js';
import { keyedSection, shareOf } from './internal/sections/keyedSection.js';
import { KeyedWindows } from './internal/sections/keyedWindows.js';
import { sectionMap, weightsOf } from './internal/sections/sectionMap.js';
import { checkRateOptions, type RateWindow } from './RateLimiter.js';
import type { Lease, PermitSource, SchedulerOptions } from './types.js';
import { timed, type ObservedKind, type SectionHandlers } from './internal/sections/observe.js';

/** One window (`limit` per `interval` ms), or several at once. */
export type RateWindows = RateWindow | { readonly windows: ReadonlyArray<RateWindow> };

/** Options of {@link KeyedRateLimiter}. */
export interface KeyedRateLimiterOptions<K> extends SchedulerOptions {
  /** Each key's own window(s): a key starts at most this much. */
  readonly perKey: RateWindows;
  /** A window (or several) shared by all keys, which they take turns in when it binds. */
  readonly global?: RateWindows;
  /** A key's part when keys compete for the global window (a finite number > 0). Default 1. */
  readonly share?: (key: K) => number;
}

/** Options of `rateLimitMap` over a `KeyedRateLimiter`: `key` picks each value's key. */
export interface KeyedRateLimitMapOptions<T, K> {
  readonly key: (value: T, index: number) => K;
  readonly cost?: number | ((value: T, index: number) => number);
  readonly concurrency?: number;
}

/**
 * A rate limit per key (tenant, customer, API token, host), with an optional global rate shared
 * by all keys, fair across keys: `RateLimiter`'s strict sliding window for each key (`perKey`) and,
 * if given, for all of them together (`global`), each one window or several at once. Within a key,
 * strict FIFO with costs; across keys, when the global window is what binds, the keys with a waiter
 * take turns for it (deficit round robin weighted by `share`, as in `KeyedSemaphore`). A cost must
 * fit every window it meets (`RangeError` otherwise). A started section keeps its cost for its
 * window, even if it is cancelled; a waiting one that is unsubscribed takes nothing. One timer,
 * for the moment the earliest waiting head fits. Time follows `scheduler`.
 *
 * ```text
 * a1:       a|
 * a2:         b|
 * a3:             c|
 * x1:           x|
 * limiter.section('a', a1 … a3), limiter.section('x', x1); global 1 per 2 frames
 * output:   a-b-x-c|
 * a1 subs:  ^!
 * a2 subs:  --^!
 * a3 subs:  ------^!
 * x1 subs:  ----^!
 * ```
 *
 * @example
 * ```ts
 * import { KeyedRateLimiter, rateLimitMap } from 'rxjs-concurrency';
 *
 * // each tenant 5 calls per second, 20 per second in all, the tenants taking turns
 * const api = new KeyedRateLimiter<string>({ perKey: { limit: 5, interval: 1000 }, global: { limit: 20, interval: 1000 } });
 * requests$.pipe(rateLimitMap(api, (r) => call(r), { key: (r) => r.tenant })).subscribe();
 * ```
 */
export class KeyedRateLimiter<K = string> {
  readonly #core: KeyedWindows<K>;

  /** @param options `{ perKey, global?, share?, scheduler? }` */
  constructor(options: KeyedRateLimiterOptions<K>) {
    const fn = 'KeyedRateLimiter';
    if (options === null || typeof options !== 'object') typeError(fn, 'options', 'an object { perKey, global?, share? }', options);
    const opts = checkOptions(fn, options);
    const perKey = checkRateOptions(fn, opts.perKey as never, 'options.perKey');
    const global = opts.global === undefined ? [] : checkRateOptions(fn, opts.global as never, 'options.global');
    const share = shareOf(fn, opts.share);
    this.#core = new KeyedWindows<K>(perKey, global, share, opts.scheduler ?? asyncScheduler);
  }

  /** The most one section may cost: the smallest limit of the windows. */
  get permits(): number {
    return this.#core.permits;
  }

  /** Sections waiting, across keys. */
  get waiting(): number {
    return this.#core.waiting_;
  }

  /** @internal Installs (or, with undefined, removes) the observer of its sections, all keys. */
  observe_(handlers: SectionHandlers | undefined): ObservedKind {
    this.#core.observer_ = handlers && timed(() => this.#core.now_(), handlers);
    return 'rate';
  }

  /** @internal The clock of its windows, for an observer. */
  now_(): number {
    return this.#core.now_();
  }

  /** Keys with a section waiting now. */
  get keys(): number {
    return this.#core.keys_;
  }

  /** Sections of `key` waiting now. */
  queued(key: K): number {
    return this.#core.peek_(key)?.waiters_.size_ ?? 0;
  }

  /**
   * Runs `source` once starting it keeps `key`'s windows and the global ones: it counts `cost` in
   * each from the moment it starts. A factory `(lease) => source` is called at the start.
   */
  section<T>(key: K, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), cost = 1): Observable<T> {
    return this.#section('KeyedRateLimiter.section', key, source, cost);
  }

  #section<T>(fn: string, key: K, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), cost: number): Observable<T> {
    return keyedSection(fn, this.#core, key, source, cost, 'cost', this.#core.permits);
  }

  /** One key's rate as a `PermitSource` (its `permits` is the most one section may cost). */
  forKey(key: K): PermitSource {
    const core = this.#core;
    return {
      get permits() {
        return core.permits;
      },
      section: <T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), cost = 1) => this.#section<T>('KeyedRateLimiter.forKey(key).section', key, source, cost),
    };
  }

  /** @internal `rateLimitMap(this, project, { key, cost, concurrency })`. */
  map_<T, R>(fn: string, project: (value: T, index: number) => ObservableInput<R>, options: Partial<KeyedRateLimitMapOptions<T, K>> | undefined): OperatorFunction<T, R> {
    const opts = checkOptions(fn, options);
    const keyOf = opts.key;
    if (keyOf === undefined) typeError(fn, 'options.key', 'a function (value, index) => key, with a KeyedRateLimiter', keyOf);
    checkFunction(fn, 'options.key', keyOf);
    checkFunction(fn, 'project', project);
    const concurrency = checkConcurrency(fn, 'options.concurrency', opts.concurrency);
    const costOf = weightsOf(fn, 'cost', opts.cost ?? 1, this.#core.permits);
    const core = this.#core;
    if (concurrency === Infinity) return sectionMap(() => (value, index) => core.gate_(keyOf(value, index)), project, costOf);
    return mergeMap((value, index) => this.section(keyOf(value, index), () => project(value, index), costOf(value, index)), concurrency);
  }
}
