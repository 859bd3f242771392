import { asyncScheduler, type Observable, type ObservableInput, type SchedulerLike, type Subscription } from 'rxjs';
import { Queue } from './internal/core/queue.js';
import { scheduleAfter } from './internal/core/timers.js';
import { trampoline } from './internal/core/trampoline.js';
import { checkFunction, checkInteger, checkScheduler, rangeError, typeError } from './internal/core/validate.js';
import { gatedSection } from './internal/sections/gatedSection.js';
import type { Waiter } from './internal/sections/permits.js';
import { Window } from './internal/sections/window.js';
import type { Lease, PermitSource, SchedulerOptions } from './types.js';
import { besideOwn, timed, type ObservedKind, type SectionHandlers, type SectionObserver } from './internal/sections/observe.js';
import { isOverloadError, retryAfterOf } from './internal/sections/overload.js';
import { Pause } from './internal/sections/pause.js';

/** One window of a rate limit: at most `limit` cost started in any `interval` ms. */
export interface RateWindow {
  /** The most cost that may start in any span of `interval` ms: an integer ≥ 1. */
  readonly limit: number;
  /** The span, in ms: a finite number above 0. */
  readonly interval: number;
}

/**
 * Options of {@link RateLimiter}: one window (`limit` per `interval` ms), or several at once
 * (`windows`: a section starts only when every window has room).
 */
export type RateLimiterOptions = (RateWindow | { readonly windows: ReadonlyArray<RateWindow> }) & SchedulerOptions & BackOffOptions;

/**
 * A rate limiter's back-off, opt-in: given either option, a section's error that `isOverload`
 * recognises and that carries a delay (`retryAfter`) pauses the limiter for every stream.
 */
export interface BackOffOptions {
  /** Whether a section's error is an overload. Default (once back-off is on): `TimeoutError`, or a `status` of 429 or 503. */
  readonly isOverload?: (error: unknown) => boolean;
  /** The ms an overload asks everyone to wait. Default (once back-off is on): its `headers`' `Retry-After`. */
  readonly retryAfter?: (error: unknown) => number | undefined;
}

/** Checks one window's `limit` and `interval` (`at` names where it stands in the options). */
function checkWindow(fn: string, at: string, window: Partial<RateWindow> | null | undefined): RateWindow {
  if (window === null || typeof window !== 'object') typeError(fn, at || 'options', 'an object { limit, interval }', window);
  const param = (name: string) => (at ? `${at}.${name}` : `options.${name}`);
  checkInteger(fn, param('limit'), window.limit, 1);
  if (typeof window.interval !== 'number') typeError(fn, param('interval'), 'a number of milliseconds above 0', window.interval);
  if (!(window.interval > 0 && Number.isFinite(window.interval))) rangeError(fn, param('interval'), 'a finite number of milliseconds above 0', window.interval);
  return window as RateWindow;
}

/**
 * Checks the options of a rate limiter (or, at `at`, one part of them), and gives its windows;
 * shared with `rateLimitMap` and `KeyedRateLimiter`.
 */
export function checkRateOptions(fn: string, options: RateLimiterOptions | undefined, at = 'options'): RateWindow[] {
  if (options === null || typeof options !== 'object') typeError(fn, at, 'an object { limit, interval } or { windows }', options);
  const opts = options as Partial<RateWindow> & { windows?: unknown; scheduler?: unknown };
  checkScheduler(fn, opts.scheduler);
  if (opts.windows === undefined) return [checkWindow(fn, at === 'options' ? '' : at, opts)];
  if (!Array.isArray(opts.windows) || opts.windows.length === 0) typeError(fn, `${at}.windows`, 'a non-empty array of { limit, interval }', opts.windows);
  return (opts.windows as unknown[]).map((w, i) => checkWindow(fn, `${at}.windows[${i}]`, w as Partial<RateWindow>));
}

/**
 * A rate limit shared by any number of streams: "10 calls per second" to one API, across the whole
 * app. `section(source, cost)` waits until starting `source` keeps the limit, then subscribes to it.
 *
 * - A strict sliding window: in any span of `interval` ms, the costs of the sections *started* add
 *   up to at most `limit` — including across what a fixed window would call its edge (not a token
 *   bucket, which lets a burst of twice the limit through there). A start at time t stops counting
 *   at t + `interval`.
 * - Several windows at once (`{ windows: [{ limit: 4, interval: 1000 }, { limit: 60, interval: 60_000 }] }`):
 *   a section starts only when every window has room; a cost must fit every window.
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
  /** The most cost started in any span of `interval` ms (of the window with the smallest limit). */
  readonly limit: number;
  /** The span, in ms (of the window with the smallest limit). */
  readonly interval: number;
  /** Every window kept: a section starts only when each has room. */
  readonly windows: ReadonlyArray<RateWindow>;
  readonly #scheduler: SchedulerLike;
  readonly #queue = new Queue<Waiter>();
  readonly #windows: Window[];
  #timer: Subscription | undefined = undefined;
  /** When the armed timer fires; NaN when none is armed. */
  #timerAt = NaN;
  /** @internal Starts so far: the fencing token of a section is this, counted up at its start. */
  granted_ = 0;
  /** @internal */
  observer_: SectionObserver | undefined = undefined;
  /** Made on the first pause. */
  #pause: Pause | undefined = undefined;
  /** Its own handlers, when it backs off on overloads. */
  readonly #own: SectionHandlers | undefined;

  /** @param options `{ limit, interval, scheduler?, isOverload?, retryAfter? }` (or `{ windows, … }`) */
  constructor(options: RateLimiterOptions) {
    const windows = checkRateOptions('RateLimiter', options);
    this.#windows = windows.map((w) => new Window(w.limit, w.interval));
    this.windows = windows.map(({ limit, interval }) => ({ limit, interval }));
    const tightest = windows.reduce((a, b) => (b.limit < a.limit ? b : a));
    this.limit = tightest.limit;
    this.interval = tightest.interval;
    this.#scheduler = options.scheduler ?? asyncScheduler;
    const { isOverload, retryAfter } = options;
    if (isOverload !== undefined || retryAfter !== undefined) {
      if (isOverload !== undefined) checkFunction('RateLimiter', 'options.isOverload', isOverload);
      if (retryAfter !== undefined) checkFunction('RateLimiter', 'options.retryAfter', retryAfter);
      const overload = isOverload ?? isOverloadError;
      const delay = retryAfter ?? retryAfterOf;
      this.#own = {
        granted_: () => undefined,
        left_: () => undefined,
        ended_: (_key, _weight, _held, outcome, error) => {
          if (outcome !== 1 /* error */ || !overload(error)) return;
          const ms = delay(error);
          if (typeof ms === 'number' && ms > 0 && Number.isFinite(ms)) this.#holdBack(Math.ceil(ms));
        },
      };
      this.observe_(undefined);
    }
  }

  /**
   * Starts nothing new for `ms` (an integer ≥ 0) from now, to any stream — or until a later pause
   * ends; the waiters then go on in FIFO order, as the windows allow.
   */
  pause(ms: number): void {
    checkInteger('RateLimiter.pause', 'ms', ms, 0);
    this.#holdBack(ms);
  }

  #holdBack(ms: number): void {
    if (ms > 0) (this.#pause ??= new Pause(this.#scheduler, () => this.#release())).for_(ms);
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

  /** @internal Installs (or, with undefined, removes) the observer of its sections. */
  observe_(handlers: SectionHandlers | undefined): ObservedKind {
    const all = this.#own ? besideOwn(this.#own, handlers) : handlers;
    this.observer_ = all && timed(() => this.#scheduler.now(), all);
    return 'rate';
  }

  /** @internal The clock of its window, for an observer. */
  now_(): number {
    return this.#scheduler.now();
  }

  /** @internal Starts at once when nobody waits and the cost fits in the window now. */
  tryTake_(cost: number): boolean {
    if (this.#queue.size_ > 0 || this.#pause?.on_()) return false;
    const now = this.#scheduler.now();
    if (!this.#fits(now, cost)) return false;
    this.#record(now, cost);
    return true;
  }

  /** Every window, its old starts forgotten, has room for `cost` at `now`. */
  #fits(now: number, cost: number): boolean {
    let fits = true;
    for (const window of this.#windows) {
      window.expire_(now);
      fits &&= window.fits_(cost);
    }
    return fits;
  }

  /** Counts a start in every window. */
  #record(now: number, cost: number): void {
    for (const window of this.#windows) window.record_(now, cost);
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

  /**
   * The fairness rule, in one place: start waiters in strict arrival order while the head fits in
   * the window, then arm the one timer for the moment the head will fit. Trampolined: a section
   * that starts (and ends) synchronously and makes another request does not grow the stack.
   */
  readonly #release = trampoline(() => {
    // paused: the pause's own timer calls this again when it ends
    if (this.#pause?.on_()) return;
    const now = this.#scheduler.now();
    let head: Waiter | undefined;
    while ((head = this.#queue.head_) !== undefined && this.#fits(now, head.weight_)) {
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
      // the head fits once enough of the oldest starts have left every window
      at = -Infinity;
      for (const window of this.#windows) at = Math.max(at, window.fitsAt_(head.weight_));
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
