import { Observable, type ObservableInput, type OperatorFunction } from 'rxjs';
import { checkFunction, checkInteger, checkOptions, typeError } from './internal/core/validate.js';
import { KeyedPermits, type KeyGate } from './internal/sections/keyedPermits.js';
import { keyedSection, shareOf } from './internal/sections/keyedSection.js';
import { sectionMap, weightsOf } from './internal/sections/sectionMap.js';
import type { KeyedSemaphoreMapOptions } from './semaphoreMap.js';
import type { Waiter } from './internal/sections/permits.js';
import type { Lease, PermitSource } from './types.js';
import { timed, type ObservedKind, type SectionHandlers } from './internal/sections/observe.js';

/** Options of {@link KeyedSemaphore}. */
export interface KeyedSemaphoreOptions<K> {
  /** The global capacity: an integer ≥ 1, or `Infinity` for none. */
  readonly permits: number;
  /** The most weight one key may hold at once: an integer ≥ 1 (or `Infinity`). Default: `permits`. */
  readonly perKey?: number;
  /** A key's part when keys compete (a finite number > 0, the same for a key every time). Default 1. */
  readonly share?: (key: K) => number;
}

/** An integer from 1 up, or Infinity. */
const checkCount = (fn: string, param: string, value: unknown): number =>
  value === Infinity ? Infinity : checkInteger(fn, param, value, 1, Infinity, 'an integer from 1 up or Infinity');

/**
 * A semaphore shared by many keys (tenants, customers, API tokens, hosts) that is fair across
 * them: a key that queues thousands of sections does not make another key's few wait behind them.
 *
 * `permits` is the global capacity, `perKey` the most weight one key may hold at once, and
 * `share(key)` a key's part when keys compete. Within a key, sections wait in strict FIFO order
 * with weights, as in a `Semaphore` (a heavy head blocks its own key's later waiters, never
 * another key's). Across keys, grants rotate among the keys that have a waiter that fits, weighted
 * by share (deficit round robin), instead of going to the globally oldest waiter: while two keys
 * both have a waiter that fits, the weight granted to each, divided by its share, stays within
 * about one section's weight of the other's. A key at its `perKey` cap is passed over until it
 * releases. A key that neither holds nor waits costs no memory.
 *
 * Sections, leases, fencing tokens (one sequence across keys), O(1) cancel, permits back after the
 * section's teardown, and `resize`, as for `Semaphore`. `new KeyedSemaphore({ permits: Infinity,
 * perKey: 1 })` is a lock per key.
 *
 * ```text
 * a1:       -a|
 * a2:         -b|
 * a3:             -c|
 * x1:           -x|
 * keyed.section('a', a1), …('a', a2), …('a', a3), keyed.section('x', x1); permits 1
 * output:   -a-b-x-c|
 * a1 subs:  ^-!
 * a2 subs:  --^-!
 * a3 subs:  ------^-!
 * x1 subs:  ----^-!
 * ```
 *
 * @example
 * ```ts
 * import { KeyedSemaphore, semaphoreMap } from 'rxjs-concurrency';
 *
 * // 8 calls at once in all, at most 4 for one tenant; the tenants take turns
 * const upstream = new KeyedSemaphore<string>({ permits: 8, perKey: 4 });
 * requests$.pipe(semaphoreMap(upstream, (r) => callUpstream(r), { key: (r) => r.tenant })).subscribe();
 * ```
 */
export class KeyedSemaphore<K = string> {
  readonly #core: KeyedPermits<K>;

  /** @param options `{ permits, perKey = permits, share = () => 1 }` */
  constructor(options: KeyedSemaphoreOptions<K>) {
    const fn = 'KeyedSemaphore';
    if (options === null || typeof options !== 'object') typeError(fn, 'options', 'an object { permits, perKey?, share? }', options);
    const opts = checkOptions(fn, options);
    const permits = checkCount(fn, 'options.permits', opts.permits);
    // not given: no cap of its own, so the capacity alone limits a key, as it is now or resized to
    const perKey = opts.perKey === undefined ? Infinity : checkCount(fn, 'options.perKey', opts.perKey);
    const share = shareOf(fn, opts.share);
    this.#core = new KeyedPermits<K>('KeyedSemaphore.resize', permits, perKey, share);
  }

  /** The global capacity. */
  get permits(): number {
    return this.#core.permits;
  }

  /** The most weight one key may hold at once (`permits` unless `perKey` was given smaller). */
  get perKey(): number {
    return this.#core.most_;
  }

  /** Permits free now, across keys (0 while a shrunk semaphore still has more held than its capacity). */
  get available(): number {
    return Math.max(0, this.#core.free_);
  }

  /** Sections waiting, across keys. */
  get waiting(): number {
    return this.#core.waiting_;
  }

  /**
   * @internal `semaphoreMap(this, project, { key, weight })`: one section per value, each in the
   * gate of the value's key (the one section machinery of every limit).
   */
  map_<T, R>(fn: string, project: (value: T, index: number) => ObservableInput<R>, options: Partial<KeyedSemaphoreMapOptions<T, K>> | undefined): OperatorFunction<T, R> {
    const opts = checkOptions(fn, options);
    const keyOf = opts.key;
    if (keyOf === undefined) typeError(fn, 'options.key', 'a function (value, index) => key, with a KeyedSemaphore', keyOf);
    checkFunction(fn, 'options.key', keyOf);
    checkFunction(fn, 'project', project);
    const weightOf = weightsOf(fn, 'weight', opts.weight ?? 1, this.perKey);
    const core = this.#core;
    return sectionMap(() => (value, index) => core.gate_(keyOf(value, index)), project, weightOf);
  }

  /** @internal Weight held now, across keys. */
  get inUse_(): number {
    const core = this.#core;
    return core.permits === Infinity ? core.held_() : core.permits - core.free_;
  }

  /** @internal Installs (or, with undefined, removes) the observer of its sections, all keys. */
  observe_(handlers: SectionHandlers | undefined): ObservedKind {
    this.#core.observer_ = handlers && timed(() => performance.now(), handlers);
    return 'permits';
  }

  /** Keys that hold or wait now. */
  get keys(): number {
    return this.#core.keys_;
  }

  /** Weight `key` holds now. */
  held(key: K): number {
    return this.#core.peek_(key)?.held_ ?? 0;
  }

  /** Sections of `key` waiting now. */
  queued(key: K): number {
    return this.#core.peek_(key)?.waiters_.size_ ?? 0;
  }

  /**
   * Runs `source` as a critical section of `key` holding `weight` permits: waits for them (FIFO
   * within the key, in turn across keys), subscribes, and gives them back once the source has ended
   * or been unsubscribed and its teardown has run. A factory `(lease) => source` is called when the
   * permits are granted.
   */
  section<T>(key: K, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight = 1): Observable<T> {
    return this.#section('KeyedSemaphore.section', key, source, weight);
  }

  #section<T>(fn: string, key: K, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight: number): Observable<T> {
    return keyedSection(fn, this.#core, key, source, weight, 'weight', this.perKey);
  }

  /**
   * The permits of one key as a `PermitSource`, for `semaphoreMap`, `lockedSection` and anything
   * else that takes one: its sections are `section(key, …)`.
   */
  forKey(key: K): PermitSource {
    const core = this.#core;
    return {
      get permits() {
        return core.most_;
      },
      section: <T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight = 1) => this.#section<T>('KeyedSemaphore.forKey(key).section', key, source, weight),
    };
  }

  /**
   * Changes the global capacity to `permits` (an integer ≥ 1, or `Infinity`). Growing serves waiters
   * at once, in turn; shrinking interrupts no running section; a waiter heavier than what a key may
   * now hold errors with a `RangeError`.
   */
  resize(permits: number): void {
    const core = this.#core;
    core.resize_(checkCount('KeyedSemaphore.resize', 'permits', permits));
    const hopeless: [KeyGate<K>, Waiter][] = [];
    for (const [gate, waiter] of core.waiters_()) if (waiter.weight_ > core.most_) hopeless.push([gate, waiter]);
    // rejected after the walk: a rejection runs user code, which may cancel other waiters
    for (const [gate, waiter] of hopeless) {
      core.drop_(gate, waiter);
      core.reject_(waiter);
      core.forget_(gate);
    }
    core.dispatch_();
  }
}
