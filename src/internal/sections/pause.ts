import type { SchedulerLike, Subscription } from 'rxjs';
import { scheduleAfter } from '../core/timers.js';

/**
 * A limit's shared back-off: until `until_` (by the limit's clock) it grants nothing new, to any
 * stream; then `resume` runs (the limit dispatches its waiters, in FIFO order). A longer pause
 * extends it, a shorter one changes nothing; nobody but time ends it.
 */
export class Pause {
  until_ = -Infinity;
  #timer: Subscription | undefined = undefined;
  readonly #scheduler: SchedulerLike;
  readonly #resume: () => void;

  constructor(scheduler: SchedulerLike, resume: () => void) {
    this.#scheduler = scheduler;
    this.#resume = resume;
  }

  /** Paused now? */
  on_(): boolean {
    return this.until_ > this.#scheduler.now();
  }

  /** Grants nothing new for `ms` from now (or until a later pause ends). */
  for_(ms: number): void {
    const until = this.#scheduler.now() + ms;
    if (until <= this.until_) return;
    this.until_ = until;
    this.#timer?.unsubscribe();
    this.#timer = scheduleAfter(this.#scheduler, ms, () => {
      this.#timer = undefined;
      this.#resume();
    });
  }
}
