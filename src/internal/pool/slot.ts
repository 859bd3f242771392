import type { Linked } from '../core/queue.js';
import { setLongTimeout, type LongTimer } from '../core/timers.js';
import type { Prepared } from './protocol.js';
import type { WorkerHandle } from './spawn.js';
import type { TaskObserver, TimedTask, WorkerTask } from './types.js';

/** One task on its way through a pool: queued, assigned to a slot, sent, then done. */
export interface Job extends Linked, TimedTask {
  readonly id: number;
  readonly task: WorkerTask;
  readonly prepared: Prepared;
  readonly observer: TaskObserver;
  slot: Slot | undefined;
  /** The `run` message has gone to the worker. */
  posted: boolean;
  cancelled: boolean;
  done: boolean;
}

/**
 * One worker of a pool and what it is doing: its handle, the job it runs, whether it keeps a Node
 * process alive, and its idle and cancel-grace timers. A busy worker is referenced; an idle one is
 * not, so a process with an idle pool exits by itself.
 */
export class Slot {
  job: Job | undefined = undefined;
  /**
   * The job sent to this worker ahead, while `job` still runs (every worker busy, more queued): the
   * worker finds it in its port and starts it as soon as `job` ends, without a round trip.
   */
  ahead: Job | undefined = undefined;
  /** A job sent ahead was taken back; the worker has not yet said it skipped it: send none meanwhile. */
  aheadBlocked = false;
  dead = false;
  /** The worker has sent a message: it loaded. */
  answered = false;
  /** Whether the worker keeps a Node process alive now: while it runs a job. */
  referenced = false;
  private idleTimer: LongTimer | undefined = undefined;
  private idleSince = 0;
  private graceTimer: LongTimer | undefined = undefined;

  constructor(
    readonly handle: WorkerHandle,
    readonly flags: Int32Array | undefined,
    private readonly unrefTimers: boolean,
    /**
     * `[0]`: the count of `run` messages posted to the worker, which it waits on when idle; `[1]`:
     * the claim of the job sent ahead (see runtime.ts).
     */
    readonly bell?: Int32Array,
  ) {}

  /** The slot takes `job`: the worker is referenced while it runs. */
  take(job: Job): void {
    this.job = job;
    job.slot = this;
    job.posted = false;
    if (!this.referenced) {
      this.referenced = true;
      this.handle.ref();
    }
  }

  /**
   * The slot has nothing to do: the worker no longer keeps the process alive, and is retired after
   * `idleTimeout` ms. One timer per idle spell at most, not one per task: when it fires it checks
   * whether the worker has really idled that long, and re-arms itself for the rest otherwise.
   */
  idle(idleTimeout: number, retire: () => void): void {
    this.job = undefined;
    if (this.referenced) {
      this.referenced = false;
      this.handle.unref();
    }
    this.idleSince = Date.now();
    if (idleTimeout !== Infinity && !this.idleTimer) this.armIdle(idleTimeout, idleTimeout, retire);
  }

  private armIdle(ms: number, idleTimeout: number, retire: () => void): void {
    this.idleTimer = setLongTimeout(
      () => {
        this.idleTimer = undefined;
        if (this.dead || this.job) return;
        const left = this.idleSince + idleTimeout - Date.now();
        if (left > 0) this.armIdle(left, idleTimeout, retire);
        else retire();
      },
      ms,
      this.unrefTimers,
    );
  }

  /** After a cancel: `expire` runs if the job has not stopped `ms` later. */
  startGrace(ms: number, expire: () => void): void {
    this.graceTimer = setLongTimeout(expire, ms, this.unrefTimers);
  }

  stopGrace(): void {
    this.graceTimer?.cancel();
    this.graceTimer = undefined;
  }

  /** Stops the worker for good. */
  kill(): Promise<void> {
    this.dead = true;
    this.job = undefined;
    this.ahead = undefined;
    this.idleTimer?.cancel();
    this.stopGrace();
    return this.handle.terminate();
  }
}
