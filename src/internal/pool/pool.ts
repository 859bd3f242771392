import type { SpawnEvents, WorkerHandle, WorkerSource } from '#spawn';
import { WorkerCrashedError } from '../../errors.js';
import type { WorkerHandlers } from '../../types.js';
import { Queue } from '../core/queue.js';
import { trampoline } from '../core/trampoline.js';
import { deserializeError, prepareArgs, type FromWorker, type Prepared } from './protocol.js';
import { Slot, type Job } from './slot.js';
import { refuseTask, type TaskEvents, type TaskObserver, type TaskOutcome, type WorkerPool, type WorkerPoolOptions, type WorkerPoolStats, type WorkerTask } from './types.js';

function shared(cells: number): SharedArrayBuffer | undefined {
  try {
    return typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4 * cells) : undefined;
  } catch {
    return undefined;
  }
}

const noop = () => undefined;

/** How a worker's origin is named in a message about it. */
function describeSource(source: WorkerSource): string {
  if ('url' in source) return `the worker at ${String(source.url)}`;
  if ('spawn' in source) return 'the worker made by the pool’s spawn factory';
  return 'the inline-function worker';
}
const terminatedError = () => new Error('fromWorker: the pool has been terminated');

/** What a pool needs of its platform: the `#spawn` adapter, or the in-process one of the testing kit. */
export interface Platform {
  spawnWorker(source: WorkerSource, resourceLimits: WorkerPoolOptions['resourceLimits'], events: SpawnEvents): WorkerHandle;
  logicalCores(): number;
  /** Whether the pool's timers may let a Node process exit (`unref`). */
  readonly unrefTimers: boolean;
}

/**
 * The worker pool behind `createWorkerPool`, `inProcessPool` and the shared pool of inline
 * functions.
 *
 * Every way a task ends (its last message, an error, a crash, a cancel) goes through `end`, which
 * hands the worker to the next queued task, or lets it idle, *before* it tells the subscriber: a
 * subscriber that starts the next task from its `complete` callback (`concatMap`, `repeat`) then
 * finds the pool as it really is. A newcomer never takes a free worker while others queue (FIFO).
 * `run` messages go out from one trampolined loop, so tasks that end synchronously (the in-process
 * pool) neither grow the stack nor overtake one another.
 *
 * When every worker is busy, the oldest waiting task is sent ahead to one of them (`Slot.ahead`): that
 * worker finds it in its port when its task ends and starts it without a round trip through this
 * thread (20,000 tiny tasks on 2 workers: about 45 % less time). One task ahead at a time, the oldest,
 * keeps FIFO exact: a worker that comes free first takes it back, unless its worker has started it
 * (the two swap a shared claim, and only one swap can succeed), before it takes the queue's head. Two
 * tasks ahead on two workers would let the younger start first when its worker frees first. A task
 * with a transfer list is never sent ahead (what it moves could not be taken back), nor is anything
 * without SharedArrayBuffer.
 */
export class Pool<H extends WorkerHandlers = WorkerHandlers> implements WorkerPool<H> {
  declare readonly handlers?: H;
  /** @internal Who hears of each task's start and end (`rxjs-concurrency/otel`); undefined: nobody. */
  tasks_: TaskEvents | undefined = undefined;
  private readonly slots = new Set<Slot>();
  /** Idle slots, the most recently used last (it is the warmest). Dead ones are skipped lazily. */
  private readonly free: Slot[] = [];
  private readonly queue = new Queue<Job>();
  /** The slot holding the one job sent ahead (`Slot.ahead`), which waits for a worker like the queued ones. */
  private aheadOn: Slot | undefined = undefined;
  /** Slots whose new job's `run` message has not gone out yet. */
  private readonly toPost: Slot[] = [];
  private nextId = 1;
  private terminated = false;
  private readonly size: number;
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
    return { workers: this.slots.size, busy, queued: this.queue.size_ + (this.aheadOn ? 1 : 0) };
  }

  run(task: WorkerTask, observer: TaskObserver): () => void {
    if (this.terminated) return refuseTask(this.tasks_, observer, terminatedError());
    let prepared: Prepared;
    try {
      prepared = prepareArgs('fromWorker', task.args);
    } catch (error) {
      return refuseTask(this.tasks_, observer, error);
    }
    const job: Job = {
      id: this.nextId++,
      task,
      prepared,
      observer,
      slot: undefined,
      posted: false,
      cancelled: false,
      done: false,
      prev_: undefined,
      next_: undefined,
      queued_: false,
      since_: NaN,
    };
    if (this.queue.size_ === 0) {
      let slot = this.takeFree();
      if (!slot && this.slots.size < this.size) {
        try {
          slot = this.spawn();
        } catch (error) {
          // the worker could not even be created (a bad URL, a blocked script): this task errors
          job.done = true;
          return refuseTask(this.tasks_, observer, error);
        }
      }
      if (slot) {
        slot.take(job);
        this.toPost.push(slot);
        this.post();
        return () => this.cancel(job);
      }
      if (this.maxQueue > 0 && movable(job)) {
        for (const busy of this.slots) {
          if (!this.canTakeAhead(busy)) continue;
          this.sendAhead(busy, job);
          this.post();
          return () => this.cancel(job);
        }
      }
    }
    if (this.queue.size_ + (this.aheadOn ? 1 : 0) >= this.maxQueue) {
      job.done = true;
      return refuseTask(this.tasks_, observer, new RangeError(`fromWorker: the pool's queue is full (maxQueue ${this.maxQueue})`));
    }
    this.queue.enqueue_(job);
    return () => this.cancel(job);
  }

  async terminate(): Promise<void> {
    this.terminated = true;
    const ended: Job[] = [];
    for (let job = this.queue.head_; job; job = this.queue.head_) {
      this.queue.remove_(job);
      ended.push(job);
    }
    const stopping: Promise<void>[] = [];
    for (const slot of [...this.slots]) {
      if (slot.job) ended.push(slot.job);
      if (slot.ahead) ended.push(slot.ahead);
      slot.ahead = undefined;
      this.slots.delete(slot);
      stopping.push(slot.kill());
    }
    this.aheadOn = undefined;
    for (const job of ended) this.end(job, undefined, 1, () => job.observer.error(terminatedError()));
    await Promise.all(stopping);
  }

  private takeFree(): Slot | undefined {
    for (let slot = this.free.pop(); slot; slot = this.free.pop()) if (!slot.dead && !slot.job) return slot;
    return undefined;
  }

  private spawn(): Slot {
    const flags = shared(1);
    const bell = flags && shared(2);
    // the slot is needed by the callbacks, which only fire after this function returns
    const handle = this.platform.spawnWorker(this.source, this.options.resourceLimits, {
      message: (message) => this.onMessage(slot, message),
      crash: (error) => this.crash(slot, error),
    });
    const slot = new Slot(handle, flags ? new Int32Array(flags) : undefined, this.platform.unrefTimers, bell ? new Int32Array(bell) : undefined);
    handle.post({ t: 'init', flags, bell });
    this.slots.add(slot);
    return slot;
  }

  /** Sends the `run` messages of every slot given a new job (or one ahead), in the order they were given one. */
  private readonly post = trampoline(() => {
    for (let i = 0; i < this.toPost.length; i++) {
      const slot = this.toPost[i]!;
      if (slot.dead) continue;
      const job = slot.job;
      if (job && !job.posted) this.send(slot, job, false);
      const ahead = slot.ahead;
      if (ahead && !ahead.posted && slot.job?.posted) this.send(slot, ahead, true);
    }
    this.toPost.length = 0;
  });

  private send(slot: Slot, job: Job, ahead: boolean): void {
    job.posted = true;
    if (!ahead) this.tasks_?.started_(job);
    try {
      // no key for what a task does not have: every key is cloned on each post
      const { name, fn } = job.task;
      const { id } = job;
      const { args } = job.prepared;
      let message;
      if (ahead) {
        // the worker starts it only if it can swap this claim to 0 first (see takeBack)
        Atomics.store(slot.bell!, 1, id);
        message = fn === undefined ? { t: 'run' as const, id, name, args, ahead: true as const } : { t: 'run' as const, id, fn, args, ahead: true as const };
      } else {
        message = fn === undefined ? { t: 'run' as const, id, name, args } : { t: 'run' as const, id, fn, args };
      }
      slot.handle.post(message, job.prepared.transfer);
      // a Node worker that just finished a task waits a moment on the bell for its next one
      // (Atomics.wait: asleep, not spinning, and woken without a turn of its event loop)
      if (slot.bell) {
        Atomics.add(slot.bell, 0, 1);
        Atomics.notify(slot.bell, 0, 1);
      }
    } catch (error) {
      // arguments that cannot be cloned (DataCloneError) error this subscriber, not the pool
      if (!ahead) return this.end(job, slot, 1, () => job.observer.error(error));
      slot.ahead = undefined;
      this.aheadOn = undefined;
      this.end(job, undefined, 1, () => job.observer.error(error));
    }
  }

  /** A busy worker can be sent a job ahead: its own job is not being cancelled, none is ahead yet. */
  private canTakeAhead(slot: Slot): boolean {
    const job = slot.job;
    return this.aheadOn === undefined && slot.bell !== undefined && !slot.dead && slot.ahead === undefined && !slot.aheadBlocked && job !== undefined && !job.cancelled;
  }

  private sendAhead(slot: Slot, job: Job): void {
    slot.ahead = job;
    job.slot = slot;
    job.posted = false;
    this.aheadOn = slot;
    this.toPost.push(slot);
  }

  /** After its job: the slot is sent the queue's head ahead, if it can take one. */
  private fillAhead(slot: Slot): void {
    const next = this.queue.head_;
    if (!next || !movable(next) || !this.canTakeAhead(slot)) return;
    this.queue.remove_(next);
    this.sendAhead(slot, next);
  }

  /**
   * Takes back the job sent ahead to `slot`, unless its worker has started it: the pool swaps the
   * claim from id to −id, the worker from id to 0 (runtime.ts), and only the first swap succeeds.
   * The worker then says it skipped the job (`skipped`); until then it is sent nothing ahead.
   */
  private takeBack(slot: Slot): Job | undefined {
    const job = slot.ahead;
    if (!job) return undefined;
    if (job.posted) {
      if (Atomics.compareExchange(slot.bell!, 1, job.id, -job.id) !== job.id) return undefined;
      slot.aheadBlocked = true;
    }
    slot.ahead = undefined;
    this.aheadOn = undefined;
    job.slot = undefined;
    job.posted = false;
    return job;
  }

  /** The job sent ahead, taken back unless its worker has started it: it is older than every queued one. */
  private takeAheadBack(): Job | undefined {
    return this.aheadOn && this.takeBack(this.aheadOn);
  }

  /**
   * A slot that dies (crashed, or replaced after its cancel grace) gives its job sent ahead back to
   * the head of the queue when its worker never started it; one it started is returned, to end.
   */
  private rescueAhead(slot: Slot): Job | undefined {
    const ahead = slot.ahead;
    if (!ahead) return undefined;
    const back = this.takeBack(slot);
    if (back) {
      this.queue.requeue_(back);
      return undefined;
    }
    slot.ahead = undefined;
    this.aheadOn = undefined;
    return ahead;
  }

  /**
   * The one way a job ends. The slot is handed on first (the next queued job, or idle), the
   * subscriber is told last, and the `run` messages that are due go out after that. A job that was
   * cancelled ends as cancelled, however its worker answered.
   */
  private end(job: Job, slot: Slot | undefined, outcome: TaskOutcome, notify: () => void): void {
    if (job.done) return;
    job.done = true;
    this.tasks_?.ended_(job, job.cancelled ? 2 : outcome);
    if (slot && slot.job === job) {
      slot.stopGrace();
      this.handOn(slot);
    }
    if (!job.cancelled) notify();
    this.post();
  }

  /** A slot whose job is over takes the next queued job, or idles. */
  private handOn(slot: Slot): void {
    if (slot.dead) return;
    const ahead = slot.ahead;
    if (ahead) {
      // the job sent ahead is the worker's now: it starts, or has started, without a round trip
      slot.ahead = undefined;
      this.aheadOn = undefined;
      slot.job = ahead;
      if (!ahead.posted) this.toPost.push(slot);
      else {
        this.tasks_?.started_(ahead);
        if (ahead.cancelled) this.graceFor(slot, ahead);
      }
    } else {
      let next = this.takeAheadBack();
      if (!next) {
        next = this.queue.head_;
        if (next) this.queue.remove_(next);
      }
      if (!next) {
        slot.idle(this.idleTimeout, () => this.retire(slot));
        this.free.push(slot);
        return;
      }
      slot.take(next);
      this.toPost.push(slot);
    }
    this.fillAhead(slot);
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    slot.answered = true;
    if (message.t === 'skipped') {
      // the worker skipped the job taken back from it: it may be sent another ahead
      slot.aheadBlocked = false;
      this.fillAhead(slot);
      return this.post();
    }
    const job = slot.job;
    if (!job || !job.posted || message.id !== job.id) return;
    if (message.t === 'next') {
      if (job.cancelled) return;
      job.observer.next(message.value);
      // a subscriber that unsubscribed inside next (take(n)) cancels at once: with an in-process
      // pool a synchronous generator would otherwise run on
      if (job.observer.closed) this.cancel(job);
      return;
    }
    if (message.t === 'nexts') {
      for (const value of message.values) {
        if (job.cancelled) return;
        job.observer.next(value);
        if (job.observer.closed) return this.cancel(job);
      }
      return;
    }
    // a terminal message: the task is over, or acknowledges its cancel; the worker is free
    const { observer } = job;
    if (message.t === 'error') this.end(job, slot, 1, () => observer.error(deserializeError(message.error)));
    else if (message.t === 'value') this.end(job, slot, 0, () => (observer.next(message.value), observer.complete()));
    else this.end(job, slot, 0, () => observer.complete());
  }

  private cancel(job: Job): void {
    if (job.done || job.cancelled) return;
    job.cancelled = true;
    if (this.queue.remove_(job)) {
      job.done = true;
      this.tasks_?.ended_(job, 2);
      return;
    }
    const slot = job.slot;
    if (slot && slot.ahead === job) {
      if (this.takeBack(slot)) {
        job.done = true;
        this.tasks_?.ended_(job, 2);
        return;
      }
      // its worker has started it (the end of the job before it is on its way): stopped as a running
      // one, its grace counted once it is the slot's job
      if (slot.flags) Atomics.store(slot.flags, 0, job.id);
      slot.handle.post({ t: 'cancel', id: job.id });
      return;
    }
    if (!slot || slot.job !== job) return;
    // given a slot but never sent: the worker never heard of it
    if (!job.posted) return this.end(job, slot, 2, noop);
    if (slot.flags) Atomics.store(slot.flags, 0, job.id);
    slot.handle.post({ t: 'cancel', id: job.id });
    this.graceFor(slot, job);
  }

  private graceFor(slot: Slot, job: Job): void {
    if (this.cancelGrace === Infinity) return;
    slot.startGrace(this.cancelGrace, () => {
      // still not stopped: a synchronous loop that never looked at ctx. Replace the worker.
      if (slot.job !== job) return;
      this.rescueAhead(slot);
      this.discard(slot);
      this.end(job, undefined, 2, noop);
      this.refill();
    });
  }

  private crash(slot: Slot, error: Error): void {
    if (slot.dead) return;
    const job = slot.job;
    const started = this.rescueAhead(slot);
    this.discard(slot);
    this.refill();
    // a worker that never answered did not load (a wrong URL, a module that throws at import)
    const what = slot.answered ? 'The worker running this task crashed' : `${describeSource(this.source)} failed to load or start`;
    for (const ended of [job, started]) {
      if (ended) this.end(ended, undefined, 3, () => ended.observer.error(new WorkerCrashedError(`${what}: ${error.message}`, { cause: error })));
    }
  }

  private retire(slot: Slot): void {
    if (slot.job || slot.dead) return;
    this.discard(slot);
  }

  private discard(slot: Slot): void {
    this.slots.delete(slot);
    void slot.kill();
  }

  /** Starts workers for waiting jobs (sent ahead to a busy worker first, then queued) after one was removed. */
  private refill(): void {
    while ((this.queue.size_ > 0 || this.aheadOn) && this.slots.size < this.size && !this.terminated) {
      let job = this.takeAheadBack();
      if (!job) {
        job = this.queue.head_;
        if (!job) break;
        this.queue.remove_(job);
      }
      let slot: Slot;
      try {
        slot = this.spawn();
      } catch (error) {
        this.end(job, undefined, 1, () => job.observer.error(error));
        continue;
      }
      slot.take(job);
      this.toPost.push(slot);
    }
    this.post();
  }
}

/** Whether a job may be sent ahead: what it transfers could not be taken back. */
function movable(job: Job): boolean {
  return job.prepared.transfer.length === 0;
}

/** The pool's workers as a test sees them: whether each is busy and whether it keeps Node alive. */
export function inspectPool(pool: WorkerPool): { busy: boolean; referenced: boolean }[] {
  const slots = (pool as unknown as { slots?: Set<Slot> }).slots;
  return slots ? [...slots].map((slot) => ({ busy: slot.job !== undefined, referenced: slot.referenced })) : [];
}
