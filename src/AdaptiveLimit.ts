import { Observable, asyncScheduler, type ObservableInput, type SchedulerLike, type Subscriber } from 'rxjs';
import { checkFunction, checkInteger, checkOptions, rangeError, typeError } from './internal/core/validate.js';
import { Aimd, Gradient, type LimitAlgorithm } from './internal/sections/adaptive.js';
import { gatedSection } from './internal/sections/gatedSection.js';
import { besideOwn, timed, type ObservedKind, type SectionHandlers, type SectionOutcome } from './internal/sections/observe.js';
import { isOverloadError, retryAfterOf } from './internal/sections/overload.js';
import { Pause } from './internal/sections/pause.js';
import { Permits } from './internal/sections/permits.js';
import type { Lease, PermitSource } from './types.js';

/** Options of {@link AdaptiveLimit}. */
export interface AdaptiveLimitOptions {
  /** The limit to start from: an integer in [min, max]. */
  readonly initial: number;
  /** The lowest the limit goes: an integer ≥ 1. Default 1. */
  readonly min?: number;
  /** The highest the limit goes: an integer ≥ min. Default 1000. */
  readonly max?: number;
  /** `'gradient'` (default: the latency gradient of Netflix's Gradient2) or `'aimd'`. */
  readonly algorithm?: 'gradient' | 'aimd';
  /** Whether a section's error is an overload. Default: rxjs's `TimeoutError`, or a `status` of 429 or 503. */
  readonly isOverload?: (error: unknown) => boolean;
  /** The ms an overload asks everyone to wait. Default: its `headers`' `Retry-After` (seconds or an HTTP date). */
  readonly retryAfter?: (error: unknown) => number | undefined;
  /** The clock of latencies and pauses. Default: `performance.now()` for latencies, `asyncScheduler` for pauses. */
  readonly scheduler?: SchedulerLike;
}

/** Taken out of the free permits while paused, so that nothing fits (and given back after). */
const HELD_BACK = 2 ** 40;

/**
 * A limit that finds its number of permits by itself: a `PermitSource` whose limit follows the
 * outcomes of its own sections — more while they succeed near the limit, fewer when the latency
 * climbs or an overload comes back — within `[min, max]`. At no time do more than `limit` weight
 * hold, and a decrease interrupts no running section (it only waits for enough to end).
 *
 * - `'gradient'` (default): the limit follows the ratio of the long-term latency to the current
 *   one, plus a queue allowance of √limit, in the manner of Netflix's Gradient2.
 * - `'aimd'`: a section that completes while at least half the limit is in use adds one; an
 *   overload multiplies the limit by 0.9 (in both algorithms).
 * - An overload is an error for which `isOverload(error)` is true (default: `TimeoutError`, or a
 *   `status` of 429 or 503). The error still reaches the section's subscriber unchanged.
 * - Back-off: when an overload carries a delay (`retryAfter(error)`, default its `Retry-After`
 *   header), or on `pause(ms)`, nothing new is granted until that time, to any stream that shares
 *   the limit; the waiters then go on in FIFO order. The algorithm keeps working underneath.
 * - `semaphoreMap`, `lockedSection` and the keyed forms take it as any `PermitSource`; `limit$`
 *   shows the limit as it changes.
 *
 * ```text
 * backend:  calls take 10 ms until it slows down to 40 ms
 * limit:    grows while calls succeed near it, falls back as the latency climbs
 * ```
 *
 * @example
 * ```ts
 * import { AdaptiveLimit, semaphoreMap } from 'rxjs-concurrency';
 *
 * const backend = new AdaptiveLimit({ initial: 8, min: 2, max: 64 });
 * orders$.pipe(semaphoreMap(backend, (order) => http.post('/orders', order))).subscribe(confirm);
 * backend.limit$.subscribe((limit) => console.log(`limit now ${limit}`));
 * ```
 */
export class AdaptiveLimit extends Permits implements PermitSource {
  /** The lowest the limit goes. */
  readonly min: number;
  /** The highest the limit goes. */
  readonly max: number;
  /** Emits the limit on subscription, then on every change. */
  readonly limit$: Observable<number>;
  readonly #algorithm: LimitAlgorithm;
  readonly #isOverload: (error: unknown) => boolean;
  readonly #retryAfter: (error: unknown) => number | undefined;
  readonly #clock: () => number;
  readonly #pause: Pause;
  readonly #listeners = new Set<Subscriber<number>>();
  /** The algorithm's limit, a real number: the limit is its floor. */
  #estimate: number;
  #paused = false;
  /** Its own handlers, which take the samples; another's (rxjs-concurrency/otel) may join them. */
  readonly #own: SectionHandlers;

  /** @param options `{ initial, min = 1, max = 1000, algorithm = 'gradient', isOverload?, retryAfter?, scheduler? }` */
  constructor(options: AdaptiveLimitOptions) {
    const fn = 'AdaptiveLimit';
    if (options === null || typeof options !== 'object') typeError(fn, 'options', 'an object { initial, min?, max?, algorithm? }', options);
    const opts = checkOptions(fn, options);
    const min = opts.min === undefined ? 1 : checkInteger(fn, 'options.min', opts.min, 1);
    const max = opts.max === undefined ? Math.max(1000, min) : checkInteger(fn, 'options.max', opts.max, min, Infinity, `an integer from options.min (${min}) up`);
    const initial = checkInteger(fn, 'options.initial', opts.initial, min, max, `an integer from ${min} to ${max}`);
    super(initial);
    this.min = min;
    this.max = max;
    const algorithm = opts.algorithm ?? 'gradient';
    if (algorithm !== 'gradient' && algorithm !== 'aimd') rangeError(fn, 'options.algorithm', "'gradient' or 'aimd'", algorithm);
    this.#algorithm = algorithm === 'aimd' ? new Aimd() : new Gradient();
    this.#isOverload = opts.isOverload === undefined ? isOverloadError : (checkFunction(fn, 'options.isOverload', opts.isOverload), opts.isOverload);
    this.#retryAfter = opts.retryAfter === undefined ? retryAfterOf : (checkFunction(fn, 'options.retryAfter', opts.retryAfter), opts.retryAfter);
    const scheduler = opts.scheduler ?? asyncScheduler;
    if (typeof (scheduler as Partial<SchedulerLike>).now !== 'function') typeError(fn, 'options.scheduler', 'an rxjs SchedulerLike', scheduler);
    this.#clock = opts.scheduler ? () => scheduler.now() : () => performance.now();
    this.#pause = new Pause(scheduler, () => this.#resume());
    this.#estimate = initial;
    this.#own = {
      granted_: () => undefined,
      left_: () => undefined,
      ended_: (_key, weight, held, outcome, error) => this.#sample(weight, held, outcome, error),
    };
    this.observer_ = timed(this.#clock, this.#own);
    this.limit$ = new Observable<number>((subscriber) => {
      subscriber.next(this.permits);
      this.#listeners.add(subscriber);
      return () => this.#listeners.delete(subscriber);
    });
  }

  /** The current limit: at most this much weight holds at once (from now on, once enough ended). */
  get limit(): number {
    return this.permits;
  }

  /** Weight held now. */
  get inUse(): number {
    return this.inUse_;
  }

  /** @internal Weight held now (the permits held back by a pause are not). */
  get inUse_(): number {
    return this.permits - this.free_ - (this.#paused ? HELD_BACK : 0);
  }

  /** Sections waiting for permits. */
  get waiting(): number {
    return this.queue_.size_;
  }

  /**
   * Runs `source` holding `weight` permits (an integer from 1 to `min`): waits for them in FIFO
   * order, subscribes, gives them back after the source's teardown, and learns from how it went.
   * A factory `(lease) => source` is called when the permits are granted.
   */
  section<T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight = 1): Observable<T> {
    if (weight !== 1) checkInteger('AdaptiveLimit.section', 'weight', weight, 1, this.min, `an integer from 1 to options.min (${this.min})`);
    return gatedSection(this, 'AdaptiveLimit.section', source, weight);
  }

  /**
   * Grants nothing new for `ms` (an integer ≥ 0) from now, to any stream — or until a later pause
   * ends; the waiters then go on in FIFO order. Sections holding already run on.
   */
  pause(ms: number): void {
    checkInteger('AdaptiveLimit.pause', 'ms', ms, 0);
    this.#holdBack(ms);
  }

  #holdBack(ms: number): void {
    if (ms <= 0) return;
    this.#pause.for_(ms);
    if (!this.#paused && this.#pause.on_()) {
      this.#paused = true;
      this.free_ -= HELD_BACK;
    }
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.free_ += HELD_BACK;
    this.dispatch_();
  }

  /** One section's outcome: the algorithm moves the limit (and an overload may pause everyone). */
  #sample(weight: number, held: number, outcome: SectionOutcome, error: unknown): void {
    let estimate = this.#estimate;
    if (outcome === 0 /* complete */) {
      if (held === held) estimate = this.#algorithm.sample_(estimate, held, this.inUse_ + weight);
    } else if (outcome === 1 /* error */ && this.#isOverload(error)) {
      estimate = this.#algorithm.overload_(estimate);
      const ms = this.#retryAfter(error);
      if (typeof ms === 'number' && ms > 0 && Number.isFinite(ms)) this.#holdBack(Math.ceil(ms));
    } else return;
    this.#estimate = estimate = Math.min(this.max, Math.max(this.min, estimate));
    const limit = Math.floor(estimate);
    if (limit === this.permits) return;
    this.free_ += limit - this.permits;
    (this as { permits: number }).permits = limit;
    // (the caller, a section's end, dispatches next: a limit that grew lets more in at once)
    if (this.#listeners.size) for (const listener of [...this.#listeners]) listener.next(limit);
  }

  /** @internal Installs (or removes) handlers beside its own, which take the samples. */
  observe_(handlers: SectionHandlers | undefined): ObservedKind {
    this.observer_ = timed(this.#clock, besideOwn(this.#own, handlers));
    return 'permits';
  }

  /** @internal The clock of its latencies, for an observer. */
  now_(): number {
    return this.#clock();
  }
}
