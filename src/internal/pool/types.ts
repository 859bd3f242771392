import { checkDuration, checkInteger, checkOptions, typeError } from '../core/validate.js';
import type { WorkerHandlers } from '../../types.js';

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /** Most workers at once. Default: logical cores − 1, at least 1. */
  readonly size?: number;
  /** Ms to wait, after cancelling a running task, before the worker is terminated and replaced. Default 100. */
  readonly cancelGrace?: number;
  /** Ms a worker may idle before it is stopped. Default 5000. Idle workers never keep a Node process alive. */
  readonly idleTimeout?: number;
  /** Most tasks waiting for a worker; one more errors with a `RangeError`. Default `Infinity`. */
  readonly maxQueue?: number;
  /** Node only: the `worker_threads` resource limits of each worker. */
  readonly resourceLimits?: {
    readonly maxOldGenerationSizeMb?: number;
    readonly maxYoungGenerationSizeMb?: number;
    readonly codeRangeSizeMb?: number;
    readonly stackSizeMb?: number;
  };
}

/** Checks the pool options; shared with `inProcessPool`. An option set to `undefined` takes its default. */
export function checkPoolOptions(fn: string, options: WorkerPoolOptions | undefined): WorkerPoolOptions {
  const opts = checkOptions(fn, options);
  if (opts.size !== undefined) checkInteger(fn, 'options.size', opts.size, 1);
  if (opts.cancelGrace !== undefined) checkDuration(fn, 'options.cancelGrace', opts.cancelGrace);
  if (opts.idleTimeout !== undefined) checkDuration(fn, 'options.idleTimeout', opts.idleTimeout);
  if (opts.maxQueue !== undefined && opts.maxQueue !== Infinity) checkInteger(fn, 'options.maxQueue', opts.maxQueue, 0);
  if (opts.resourceLimits !== undefined && (opts.resourceLimits === null || typeof opts.resourceLimits !== 'object')) {
    typeError(fn, 'options.resourceLimits', 'an object', opts.resourceLimits);
  }
  return opts;
}

/** What a pool is doing now. */
export interface WorkerPoolStats {
  readonly workers: number;
  readonly busy: number;
  readonly queued: number;
}

/** One task: a handler by name, or an inline function's source. */
export interface WorkerTask {
  readonly name?: string;
  readonly fn?: string;
  readonly args: readonly unknown[];
}

/** How a task ended, as a number (the pools ship no names): 0 complete, 1 error, 2 cancelled, 3 crashed. */
export type TaskOutcome = 0 | 1 | 2 | 3;

/**
 * What a pool of this package tells its observer (`rxjs-concurrency/otel`) in `tasks_`: a task
 * started (went to a worker), a task ended and how. A task that ends without a start (cancelled
 * while queued, refused) is told only its end. A pool that nobody observes pays one property read.
 */
export interface TaskEvents {
  started_(task: TimedTask): void;
  ended_(task: TimedTask, outcome: TaskOutcome): void;
}

/** A task as its observer sees it: where it keeps the task's start (NaN until then). */
export interface TimedTask {
  since_: number;
}

/** What a pool tells for a task refused at once (it never started). */
const REFUSED: TimedTask = { since_: NaN };

/** A task refused before it was queued (terminated pool, bad arguments, full queue): it errors, and counts as an error. */
export function refuseTask(events: TaskEvents | undefined, observer: TaskObserver, error: unknown): () => void {
  events?.ended_(REFUSED, 1);
  observer.error(error);
  return () => undefined;
}

/** Where a task's notifications go. */
export interface TaskObserver {
  /** True once the observer wants nothing more (an rxjs Subscriber has it). */
  readonly closed?: boolean;
  next(value: unknown): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * A pool of workers serving the handlers of one worker module (`H` is `typeof tasks` of that
 * module). `fromWorker(pool, name, ...args)` runs tasks on it; `inProcessPool` (from
 * `rxjs-concurrency/testing`) has the same interface and runs them on the calling thread.
 */
export interface WorkerPool<H extends WorkerHandlers = WorkerHandlers> {
  /** `{ workers, busy, queued }` now. */
  readonly stats: WorkerPoolStats;
  /** Stops every worker; running and queued tasks error, later ones too. */
  terminate(): Promise<void>;
  /**
   * Runs one task and reports to `observer`; the returned function cancels it (removes it from the
   * queue, or aborts it in its worker). `fromWorker` calls this; you rarely need to.
   */
  run(task: WorkerTask, observer: TaskObserver): () => void;
  /** Type-level only: the handlers this pool serves. Never set at run time. */
  readonly handlers?: H;
}
