import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/**
 * The longest delay a timer keeps: `setTimeout` (and so rxjs's `asyncScheduler`, which uses
 * `setInterval`) fires a delay above 2³¹−1 ms (24.8 days) at once. Longer delays are chained.
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * `scheduler.schedule(work, delay)` for any delay: a delay above {@link MAX_TIMER_DELAY} is chained
 * in steps, in real and in virtual time alike. Unsubscribing the returned subscription cancels
 * whichever step is pending.
 */
export function scheduleAfter(scheduler: SchedulerLike, delay: number, work: () => void): Subscription {
  const first = Math.min(delay, MAX_TIMER_DELAY);
  return scheduler.schedule(
    function (this: SchedulerAction<number>, rest?: number) {
      if (rest! > 0) {
        const step = Math.min(rest!, MAX_TIMER_DELAY);
        this.schedule(rest! - step, step);
      } else work();
    },
    first,
    delay - first,
  );
}

/** A cancellable `setTimeout` for any delay (chained above {@link MAX_TIMER_DELAY}). */
export interface LongTimer {
  cancel(): void;
}

/**
 * `setTimeout(work, delay)` for any delay; `unref` (Node) lets the process exit while it waits.
 * Infinity never fires and sets no timer.
 */
export function setLongTimeout(work: () => void, delay: number, unref = false): LongTimer {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = (rest: number) => {
    const step = Math.min(rest, MAX_TIMER_DELAY);
    handle = setTimeout(() => (rest > step ? arm(rest - step) : work()), step);
    if (unref) (handle as { unref?: () => void }).unref?.();
  };
  if (delay !== Infinity) arm(Math.max(0, delay));
  return {
    cancel: () => {
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
    },
  };
}
