import { randomUUID } from 'node:crypto';
import { Observable, type ObservableInput, type Subscriber } from 'rxjs';
import type { Redis } from 'ioredis';
import { reportUnhandledError } from '../internal/core/report.js';
import { setLongTimeout, type LongTimer } from '../internal/core/timers.js';
import { checkInteger, checkOptions, rangeError, typeError } from '../internal/core/validate.js';
import { toObservable } from '../internal/core/inputs.js';
import { Grants, checkClientAndName, runScript } from './connection.js';
import { LeaseLostError } from './LeaseLostError.js';
import { RACQUIRE, RCANCEL, RKEEP } from './rateScripts.js';
import { HEARTBEAT } from './scripts.js';

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
  private readonly prefix: string;
  private readonly instance = randomUUID();
  private readonly grants: Grants;
  private next = 0;
  private acquiring = 0;
  private wake: LongTimer | undefined;
  private wakeAt = Infinity;

  /**
   * @param client an `ioredis` client
   * @param name the limiter's name: every process that uses it on the same Redis shares the window
   * @param options `{ limit, interval }`
   */
  constructor(
    private readonly client: Redis,
    name: string,
    options: RedisRateLimiterOptions,
  ) {
    const fn = 'RedisRateLimiter';
    checkClientAndName(fn, client, name);
    if (options === undefined || options === null || typeof options !== 'object') typeError(fn, 'options', 'an object { limit, interval }', options);
    const opts = checkOptions(fn, options);
    this.limit = checkInteger(fn, 'options.limit', opts.limit, 1);
    if (typeof opts.interval !== 'number') typeError(fn, 'options.interval', 'an integer number of milliseconds from 1 up', opts.interval);
    if (!Number.isInteger(opts.interval) || opts.interval < 1) rangeError(fn, 'options.interval', 'an integer number of milliseconds from 1 up', opts.interval);
    this.interval = opts.interval;
    this.prefix = `rxr:{${name}}:`;
    this.grants = new Grants(client, `${this.prefix}c:${this.instance}`);
  }

  /** Sections of this process waiting for room in the window. */
  get waiting(): number {
    return this.grants.size;
  }

  /**
   * Runs `source` once starting it keeps the limit across every process: it counts `cost` (an
   * integer from 1 to `limit`) in the window from the moment it starts.
   */
  section<T>(source: ObservableInput<T>, cost = 1): Observable<T> {
    const fn = 'RedisRateLimiter.section';
    const input = toObservable(fn, 'source', source);
    if (cost !== 1) checkInteger(fn, 'cost', cost, 1, this.limit);
    return new Observable<T>((subscriber) => this.run(subscriber, input, cost));
  }

  private run<T>(subscriber: Subscriber<T>, input: Observable<T>, cost: number): () => void {
    const id = `${this.instance}:${++this.next}`;
    let phase: 'acquiring' | 'waiting' | 'started' | 'done' = 'acquiring';
    const start = (started: number) => {
      if (phase === 'done') return;
      if (started <= 0) {
        phase = 'done';
        this.idle();
        return subscriber.error(new LeaseLostError(`RedisRateLimiter '${this.prefix.slice(5, -2)}': the waiting section was dropped from the queue (Redis restarted, or this process stalled past its heartbeat)`));
      }
      phase = 'started';
      this.idle();
      input.subscribe(subscriber);
    };
    this.acquiring++;
    // listening before the request: its start may be published before the request's reply arrives
    this.grants.wait(id, start);
    this.grants
      .listen()
      .then(() => this.script(RACQUIRE, id, cost, this.limit, this.interval, this.grants.channel))
      .then(
        ([started, now, nextAt]) => {
          this.acquiring--;
          if (phase === 'done') {
            this.grants.forget(id);
            void this.script(RCANCEL, id, this.limit, this.interval).catch(reportUnhandledError);
            return this.idle();
          }
          if (phase === 'acquiring') {
            if (started === 1) {
              this.grants.forget(id);
              start(now!);
            } else {
              phase = 'waiting';
              this.grants.confirm(id);
            }
          }
          this.sleepUntil(nextAt!, now!);
        },
        (error: unknown) => {
          this.acquiring--;
          phase = 'done';
          this.grants.forget(id);
          this.idle();
          subscriber.error(error);
        },
      );
    return () => {
      const was = phase;
      phase = 'done';
      if (was === 'waiting') {
        this.grants.forget(id);
        this.script(RCANCEL, id, this.limit, this.interval).then(([, now, nextAt]) => this.sleepUntil(nextAt, now), reportUnhandledError);
      }
      this.idle();
    };
  }

  /**
   * While sections wait here: one timer, for the Redis time at which the head will fit (or the
   * heartbeat, whichever is first). When it fires, a script starts what fits, renews the heartbeats
   * and finds any start whose message was missed.
   */
  private sleepUntil(nextAt: number, now: number): void {
    if (this.grants.size === 0) return;
    const delay = Math.min(nextAt > 0 ? Math.max(0, nextAt - now) : Infinity, HEARTBEAT / 4);
    const at = Date.now() + delay;
    if (this.wake && this.wakeAt <= at) return;
    this.wake?.cancel();
    this.wakeAt = at;
    this.wake = setLongTimeout(
      () => {
        this.wake = undefined;
        this.wakeAt = Infinity;
        const ids = this.grants.ids();
        if (ids.length === 0) return;
        this.script(RKEEP, this.limit, this.interval, ...ids).then(
          ([now2, next2, ...statuses]) => {
            ids.forEach((waiter, i) => {
              if (statuses[i] !== -1) this.grants.take(waiter, statuses[i] === 1 ? now2! : 0);
            });
            this.sleepUntil(next2!, now2!);
          },
          () => this.sleepUntil(0, 0),
        );
      },
      delay,
      true,
    );
  }

  private idle(): void {
    this.grants.closeIfIdle(this.acquiring);
    if (this.grants.size === 0) {
      this.wake?.cancel();
      this.wake = undefined;
      this.wakeAt = Infinity;
    }
  }

  private script(script: string, ...args: (string | number)[]): Promise<number[]> {
    return runScript<number[]>(this.client, script, this.prefix, args);
  }
}
