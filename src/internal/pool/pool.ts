import type { SpawnEvents, WorkerHandle, WorkerSource } from '#spawn';
import { WorkerCrashedError } from '../../errors.js';
import { deserializeError, prepareArgs, type FromWorker } from './protocol.js';
import { Queue, type Linked } from '../core/queue.js';
import { checkDuration, checkInteger, checkOptions, typeError } from '../core/validate.js';

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

/** Checks the pool options; shared with `inProcessPool`. */
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

/** Where a task's notifications go. */
export interface TaskObserver {
  /** True once the observer wants nothing more (an rxjs Subscriber has it). */
  readonly closed?: boolean;
  next(value: unknown): void;
  error(error: unknown): void;
  complete(): void;
}

interface Job extends Linked {
  readonly id: number;
  readonly task: WorkerTask;
  readonly observer: TaskObserver;
  slot: Slot | undefined;
  cancelled: boolean;
  done: boolean;
}

interface Slot {
  readonly handle: WorkerHandle;
  readonly flags: Int32Array | undefined;
  job: Job | undefined;
  dead: boolean;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the worker last became idle: the idle timer is armed once and re-armed lazily. */
  idleSince: number;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
}

function sharedFlags(): SharedArrayBuffer | undefined {
  try {
    return typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : undefined;
  } catch {
    return undefined;
  }
}

const noop = () => undefined;

/** What a pool needs of its platform: the `#spawn` adapter, or the in-process one of the testing kit. */
export interface Platform {
  spawnWorker(source: WorkerSource, resourceLimits: WorkerPoolOptions['resourceLimits'], events: SpawnEvents): WorkerHandle;
  logicalCores(): number;
  unrefTimer(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout>;
}

/** The worker pool behind `createWorkerPool` and the shared pool of inline functions. */
export class Pool {
  private readonly slots = new Set<Slot>();
  private readonly queue = new Queue<Job>();
  private nextId = 1;
  private terminated = false;
  readonly size: number;
  private readonly cancelGrace: number;
  private readonly idleTimeout: number;
  private readonly maxQueue: number;

  constructor(
    private readonly platform: Platform,
    private readonly source: WorkerSource,
    private readonly options: WorkerPoolOptions,
  ) {
    this.size = options.size ?? Math.max(1, platform.logicalCores() - 1);
    this.cancelGrace = options.cancelGrace ?? 100;
    this.idleTimeout = options.idleTimeout ?? 5000;
    this.maxQueue = options.maxQueue ?? Infinity;
  }

  get stats(): WorkerPoolStats {
    let busy = 0;
    for (const slot of this.slots) if (slot.job) busy++;
    return { workers: this.slots.size, busy, queued: this.queue.size };
  }

  /** Runs `task`, reporting to `observer`; the returned function cancels it. */
  run(task: WorkerTask, observer: TaskObserver): () => void {
    if (this.terminated) {
      observer.error(new Error('fromWorker: the pool has been terminated'));
      return noop;
    }
    const job: Job = { id: this.nextId++, task, observer, slot: undefined, cancelled: false, done: false, prevLink: undefined, nextLink: undefined, linked: false };
    let slot: Slot | undefined;
    try {
      slot = this.freeSlot();
    } catch (error) {
      // the worker could not even be created (a bad URL, a blocked script): this task errors
      job.done = true;
      observer.error(error);
      return noop;
    }
    if (slot) this.start(slot, job);
    else if (this.queue.size >= this.maxQueue) {
      job.done = true;
      observer.error(new RangeError(`fromWorker: the pool's queue is full (maxQueue ${this.maxQueue})`));
    } else this.queue.enqueue(job);
    return () => this.cancel(job);
  }

  async terminate(): Promise<void> {
    this.terminated = true;
    const error = new Error('fromWorker: the pool has been terminated');
    for (let job = this.queue.dequeue(); job; job = this.queue.dequeue()) this.finish(job, () => job!.observer.error(error));
    const stopping: Promise<void>[] = [];
    for (const slot of [...this.slots]) {
      const job = slot.job;
      this.remove(slot);
      if (job) this.finish(job, () => job.observer.error(error));
      stopping.push(slot.handle.terminate());
    }
    await Promise.all(stopping);
  }

  private freeSlot(): Slot | undefined {
    for (const slot of this.slots) if (!slot.job) return slot;
    return this.slots.size < this.size ? this.spawn() : undefined;
  }

  private spawn(): Slot {
    const flags = sharedFlags();
    // the handle is needed by the callbacks, which only fire after this function returns
    const slot: Slot = {
      handle: this.platform.spawnWorker(this.source, this.options.resourceLimits, {
        message: (message) => this.onMessage(slot, message),
        crash: (error) => this.crash(slot, error),
      }),
      flags: flags ? new Int32Array(flags) : undefined,
      job: undefined,
      dead: false,
      idleTimer: undefined,
      idleSince: 0,
      graceTimer: undefined,
    };
    slot.handle.post({ t: 'init', flags });
    this.slots.add(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    job.slot = slot;
    slot.job = job;
    slot.handle.ref();
    try {
      const { args, transfer } = prepareArgs(job.task.args);
      slot.handle.post({ t: 'run', id: job.id, name: job.task.name, fn: job.task.fn, args }, transfer);
    } catch (error) {
      // arguments that cannot be cloned (DataCloneError) error this subscriber, not the pool
      slot.job = undefined;
      this.finish(job, () => job.observer.error(error));
      this.release(slot);
    }
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    const job = slot.job;
    if (!job || message.id !== job.id) return;
    if (message.t === 'next') {
      if (job.cancelled) return;
      job.observer.next(message.value);
      // a subscriber that unsubscribed inside next (take(n)) cancels at once: with an in-process
      // pool a synchronous generator would otherwise run on
      if (job.observer.closed) this.cancel(job);
      return;
    }
    // a terminal message: the task is over, or acknowledges its cancel; the worker is free
    slot.job = undefined;
    if (slot.graceTimer) clearTimeout(slot.graceTimer);
    slot.graceTimer = undefined;
    if (message.t === 'error') this.finish(job, () => job.observer.error(deserializeError(message.error)));
    else if (message.t === 'value') this.finish(job, () => (job.observer.next(message.value), job.observer.complete()));
    else this.finish(job, () => job.observer.complete());
    this.release(slot);
  }

  /** Hands a free worker the next queued task, or lets it idle. */
  private release(slot: Slot): void {
    if (slot.dead) return;
    const next = this.queue.dequeue();
    if (next) return this.start(slot, next);
    slot.handle.unref();
    slot.idleSince = Date.now();
    // one timer per idle spell at most, not one per task: it checks, when it fires, whether the
    // worker has really been idle that long, and re-arms itself for the rest otherwise
    if (this.idleTimeout !== Infinity && !slot.idleTimer) this.armIdle(slot, this.idleTimeout);
  }

  private armIdle(slot: Slot, ms: number): void {
    slot.idleTimer = this.platform.unrefTimer(
      setTimeout(() => {
        slot.idleTimer = undefined;
        if (slot.dead || slot.job) return;
        const left = slot.idleSince + this.idleTimeout - Date.now();
        if (left > 0) this.armIdle(slot, left);
        else this.retire(slot);
      }, ms),
    );
  }

  private cancel(job: Job): void {
    if (job.done || job.cancelled) return;
    job.cancelled = true;
    if (this.queue.remove(job)) {
      job.done = true;
      return;
    }
    const slot = job.slot;
    if (!slot || slot.job !== job) return;
    if (slot.flags) Atomics.store(slot.flags, 0, job.id);
    slot.handle.post({ t: 'cancel', id: job.id });
    if (this.cancelGrace === Infinity) return;
    slot.graceTimer = this.platform.unrefTimer(
      setTimeout(() => {
        // still not stopped: a synchronous loop that never looked at ctx. Replace the worker.
        if (slot.job === job) {
          this.remove(slot);
          job.done = true;
          void slot.handle.terminate();
          this.refill();
        }
      }, this.cancelGrace),
    );
  }

  private crash(slot: Slot, error: Error): void {
    if (slot.dead) return;
    const job = slot.job;
    this.remove(slot);
    void slot.handle.terminate();
    if (job) {
      this.finish(job, () =>
        job.observer.error(new WorkerCrashedError(`The worker running this task crashed: ${error.message}`, { cause: error })),
      );
    }
    this.refill();
  }

  private retire(slot: Slot): void {
    if (slot.job || slot.dead) return;
    this.remove(slot);
    void slot.handle.terminate();
  }

  private remove(slot: Slot): void {
    slot.dead = true;
    slot.job = undefined;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    if (slot.graceTimer) clearTimeout(slot.graceTimer);
    this.slots.delete(slot);
  }

  /** Starts workers for queued tasks after one was removed. */
  private refill(): void {
    while (this.queue.size > 0 && this.slots.size < this.size && !this.terminated) {
      const job = this.queue.dequeue()!;
      let slot: Slot;
      try {
        slot = this.spawn();
      } catch (error) {
        this.finish(job, () => job.observer.error(error));
        continue;
      }
      this.start(slot, job);
    }
  }

  /** Ends a job once: a cancelled job tells its subscriber nothing more. */
  private finish(job: Job, notify: () => void): void {
    if (job.done) return;
    job.done = true;
    if (!job.cancelled) notify();
  }
}
