import type { Observable, ObservableInput, SchedulerLike } from 'rxjs';

/**
 * How a source that is treated as a task ended: its result, or why it has none.
 * `index` is the source's 0-based position in the input (its arrival order for an Observable of
 * sources).
 */
export type Settled<T> =
  | { readonly status: 'fulfilled'; readonly index: number; readonly value: T }
  | { readonly status: 'rejected'; readonly index: number; readonly reason: unknown };

/** An item of `mergeAsCompleted` without `settle`: which source finished, and its result. */
export interface Completed<T> {
  readonly index: number;
  readonly value: T;
}

/** Every time-based function takes a scheduler, so `TestScheduler.run` can drive it. */
export interface SchedulerOptions {
  /** Defaults to rxjs's `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** The last argument of every worker handler: how the task learns it was cancelled. */
export interface WorkerContext {
  /** Aborts when the subscriber unsubscribes: pass it to `fetch`, timers, streams. */
  readonly signal: AbortSignal;
  /**
   * Throws an `AbortError` once the task is cancelled. It reads a shared-memory flag where the
   * platform allows it (Node; browsers when cross-origin isolated), so it sees the cancel inside a
   * synchronous loop, where no message can arrive.
   */
  throwIfCancelled(): void;
}

/** A worker's handlers: functions of their arguments and a last `WorkerContext`. */
export type WorkerHandlers = Record<string, (...args: never[]) => unknown>;

/**
 * What a permit source grants a section made by a factory: a fencing `token` that grows with every
 * grant of that source (hand it to the protected resource, so it can refuse a stale holder), and a
 * `signal` that aborts when the lease is lost or the section ends.
 */
export interface Lease {
  readonly token: number;
  readonly signal: AbortSignal;
}

/**
 * One interface for every limiter that grants permits to sections: `Semaphore` and `Lock` in this
 * process, `RedisSemaphore` and `RedisLock` across processes. `semaphoreMap` and `lockedSection`
 * take any of them, so an app moves from one process to many by changing the constructor alone.
 */
export interface PermitSource {
  /** The capacity: how many permits there are in all. */
  readonly permits: number;
  /**
   * Waits for `weight` permits (default 1), then subscribes to `source` — or calls it, when it is a
   * factory, with the grant's {@link Lease} — and gives the permits back when the source ends or is
   * unsubscribed, after its teardown.
   */
  section<T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight?: number): Observable<T>;
}

/**
 * What every limit shared fairly by keys offers: `KeyedSemaphore` and `KeyedRateLimiter` in this
 * process, `RedisKeyedSemaphore` and `RedisKeyedRateLimiter` across processes. `section(key, …)`
 * is a section of `key` (its `weight` is a rate limiter's cost), and `forKey(key)` one key's
 * `PermitSource`. `semaphoreMap` and `rateLimitMap` take one with a `key` option.
 */
export interface KeyedPermitSource<K> {
  /** The most one section may ask for. */
  readonly permits: number;
  section<T>(key: K, source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight?: number): Observable<T>;
  forKey(key: K): PermitSource;
}
