import { asyncScheduler, type Observable, type ObservableInput, type SchedulerLike, type Subscription } from 'rxjs';
import { Queue } from './internal/core/queue.js';
import { scheduleAfter } from './internal/core/timers.js';
import { trampoline } from './internal/core/trampoline.js';
import { checkInteger, checkScheduler, rangeError, typeError } from './internal/core/validate.js';
import { gatedSection } from './internal/sections/gatedSection.js';
import type { Waiter } from './internal/sections/permits.js';
import type { Lease, PermitSource, SchedulerOptions } from './types.js';

/** Options of {@link RateLimiter}: at most `limit` cost started in any `interval` ms. */
export interface RateLimiterOptions extends SchedulerOptions {
  /** The most cost that may start in any span of `interval` ms: an integer ≥ 1. */
  readonly limit: number;
  /** The span, in ms: a finite number above 0. */
  readonly interval: number;
}

/** Checks the options of a rate limiter; shared with `rateLimitMap`. */
export function checkRateOptions(fn: string, options: RateLimiterOptions | undefined): RateLimiterOptions {
  if (options === null || typeof options !== 'object') typeError(fn, 'options', 'an object { limit, interval }', options);
  const opts: Partial<RateLimiterOptions> = options;
  checkInteger(fn, 'options.limit', opts.limit, 1);
  if (typeof opts.interval !== 'number') typeError(fn, 'options.interval', 'a number of milliseconds above 0', opts.interval);
  if (!(opts.interval > 0 && Number.isFinite(opts.interval))) rangeError(fn, 'options.interval', 'a finite number of milliseconds above 0', opts.interval);
  checkScheduler(fn, opts.scheduler);
  return options;
}

/**
 * A rate limit shared by any number of streams: "10 calls per second" to one API, across the whole
 * app. `section(source, cost)` waits until starting `source` keeps the limit, then subscribes to it.
 *
 * - A strict sliding window: in any span of `interval` ms, the costs of the sections *started* add
 *   up to at most `limit` — including across what a fixed window would call its edge (not a token
 *   bucket, which lets a burst of twice the limit through there). A start at time t stops counting
 *   at t + `interval`.
 * - Strict FIFO with costs: a costly waiter blocks the cheaper ones behind it. Enqueue and cancel
 *   are O(1).
 * - Unsubscribing a waiting section takes nothing from the window; a started section keeps its cost
 *   even if it is cancelled (a request that went out counts at the server).
 * - One timer per limiter however many wait (for the moment the head waiter fits), none when nobody
 *   waits. Time follows `scheduler` (virtual time in `TestScheduler.run`).
 * - It is a `PermitSource` (`permits` is its `limit`): `section` also takes a factory, called at the
 *   section's start with a `Lease`, and `semaphoreMap` accepts it as `rateLimitMap` does.
 *
 * ```text
 * a:       a|
 * b:       b|
 * c:            c|
 * merge(limiter.section(a), limiter.section(b), limiter.section(c)), limit 2 per 5 frames
 * output:  (ab)-c|
 * a subs:  ^!
 * b subs:  ^!
 * c subs:  -----^!
 * ```
 *
 * @example
 * ```ts
 * import { RateLimiter, rateLimitMap } from 'rxjs-concurrency';
 *
 * // the API allows 5 calls per second, whichever part of the app makes them
 * export const apiRate = new RateLimiter({ limit: 5, interval: 1000 });
 * userIds$.pipe(rateLimitMap(apiRate, (id) => http.get(`/users/${id}`))).subscribe(show);
 * apiRate.section(http.get('/report'), 2).subscribe(render); // costs two calls
 * ```
 */
export class RateLimiter implements PermitSource {
  /** The most cost started in any span of `interval` ms. */
  readonly limit: number;
  /** The span, in ms. */
  readonly interval: number;
  readonly #scheduler: SchedulerLike;
  readonly #queue = new Queue<Waiter>();
  // The starts still in the window, oldest first: their times and costs (at most `limit` entries).
  #times: number[] = [];
  #costs: number[] = [];
  #head = 0;
  #inWindow = 0;
  #timer: Subscription | undefined = undefined;
  /** When the armed timer fires; NaN when none is armed. */
  #timerAt = NaN;
  /** @internal Starts so far: the fencing token of a section is this, counted up at its start. */
  granted_ = 0;

  /** @param options `{ limit, interval, scheduler? }` */
  constructor(options: RateLimiterOptions) {
    const opts = checkRateOptions('RateLimiter', options);
    this.limit = opts.limit;
    this.interval = opts.interval;
    this.#scheduler = opts.scheduler ?? asyncScheduler;
  }

  /** Sections waiting for room in the window. */
  get waiting(): number {
    return this.#queue.size_;
  }

  /** The most cost one section may have: `limit` (what makes it a `PermitSource`). */
  get permits(): number {
    return this.limit;
  }

  /**
   * Runs `source` once starting it keeps the limit: it counts `cost` (an integer from 1 to `limit`)
   * in the window from the moment it starts. A factory `(lease) => source` is called at the start.
   */
  section<T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), cost = 1): Observable<T> {
    return gatedSection(this, 'RateLimiter.section', source, cost, 'cost');
  }

  /** @internal Starts at once when nobody waits and the cost fits in the window now. */
  tryTake_(cost: number): boolean {
    if (this.#queue.size_ > 0) return false;
    const now = this.#scheduler.now();
    this.#expire(now);
    if (this.#inWindow + cost > this.limit) return false;
    this.#record(now, cost);
    return true;
  }

  /** Adds a start to the window; starts at the same time share one entry (the clock ticks in ms). */
  #record(now: number, cost: number): void {
    const last = this.#times.length - 1;
    if (last >= this.#head && this.#times[last] === now) this.#costs[last] += cost;
    else {
      this.#times.push(now);
      this.#costs.push(cost);
    }
    this.#inWindow += cost;
  }

  /** @internal */
  wait_(waiter: Waiter): void {
    this.#queue.enqueue_(waiter);
    this.#release();
  }

  /** @internal Only the head's leaving can let others start (it may have been a costly one). */
  leave_(waiter: Waiter): void {
    const wasHead = this.#queue.head_ === waiter;
    if (this.#queue.remove_(waiter) && wasHead) this.#release();
  }

  /** @internal A section's end frees nothing: a start keeps its cost for the whole interval. */
  giveBack_(): void {}

  /** @internal */
  dispatch_(): void {}

  /** Forgets the starts that have left the window by `now`. */
  #expire(now: number): void {
    const times = this.#times;
    const costs = this.#costs;
    while (this.#head < times.length && times[this.#head]! <= now - this.interval) this.#inWindow -= costs[this.#head++]!;
    if (this.#head > 64 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#costs = costs.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * The fairness rule, in one place: start waiters in strict arrival order while the head fits in
   * the window, then arm the one timer for the moment the head will fit. Trampolined: a section
   * that starts (and ends) synchronously and makes another request does not grow the stack.
   */
  readonly #release = trampoline(() => {
    const now = this.#scheduler.now();
    this.#expire(now);
    let head: Waiter | undefined;
    while ((head = this.#queue.head_) !== undefined && this.#inWindow + head.weight_ <= this.limit) {
      this.#queue.remove_(head);
      this.#record(now, head.weight_);
      head.enter_();
    }
    this.#plan(now);
  });

  /** Arms the timer for when the head waiter fits, or cancels it when nobody waits. */
  #plan(now: number): void {
    const head = this.#queue.head_;
    let at = NaN;
    if (head) {
      // the head fits once enough of the oldest starts have left the window
      let sum = this.#inWindow;
      let k = this.#head;
      while (sum + head.weight_ > this.limit) sum -= this.#costs[k++]!;
      at = this.#times[k - 1]! + this.interval;
    }
    // the timer armed already is the right one (NaN, no timer and nobody waiting, is never equal:
    // then this only makes sure none is armed)
    if (at === this.#timerAt) return;
    this.#timer?.unsubscribe();
    this.#timerAt = at;
    this.#timer = head && scheduleAfter(this.#scheduler, Math.max(0, at - now), () => {
      this.#timerAt = NaN;
      this.#release();
    });
  }
}
