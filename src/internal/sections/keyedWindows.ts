import type { SchedulerLike, Subscription } from 'rxjs';
import { scheduleAfter } from '../core/timers.js';
import { KeyedPermits, type KeyGate } from './keyedPermits.js';
import { Window } from './window.js';

/** One window's `limit` and `interval`. */
export interface WindowSpec {
  readonly limit: number;
  readonly interval: number;
}

/**
 * The permit policy of a keyed rate limit, plugged into the rotation of {@link KeyedPermits}: a
 * start fits when every window of its key (`perKey`) and every global window has room for its
 * cost; it counts in all of them; an end gives nothing back. One timer, for the earliest moment a
 * waiting key's head will fit. A key's windows live in its gate, which the core keeps while they
 * still hold starts (an idle key's gate is dropped at a sweep once its windows are empty).
 */
export class KeyedWindows<K> extends KeyedPermits<K> {
  readonly #perKey: readonly WindowSpec[];
  readonly #global: Window[];
  readonly #scheduler: SchedulerLike;
  #timer: Subscription | undefined;
  #timerAt = NaN;

  constructor(perKey: readonly WindowSpec[], global: readonly WindowSpec[], share: (key: K) => number, scheduler: SchedulerLike) {
    // the most one start may cost: it must fit every window it meets
    super('KeyedRateLimiter', Math.min(...perKey.map((w) => w.limit), ...global.map((w) => w.limit)), Infinity, share);
    this.#perKey = perKey;
    this.#global = global.map((w) => new Window(w.limit, w.interval));
    this.#scheduler = scheduler;
  }

  /** The clock of its windows, for an observer. */
  now_(): number {
    return this.#scheduler.now();
  }

  #windowsOf(gate: KeyGate<K>): Window[] {
    return (gate.windows_ ??= this.#perKey.map((w) => new Window(w.limit, w.interval)));
  }

  /** The time `fits_` read: `take_`, which always follows it at once, counts the start then. */
  #now = 0;

  override fits_(gate: KeyGate<K>, cost: number): boolean {
    const now = (this.#now = this.#scheduler.now());
    let fits = true;
    for (const window of this.#global) {
      window.expire_(now);
      fits &&= window.fits_(cost);
    }
    for (const window of this.#windowsOf(gate)) {
      window.expire_(now);
      fits &&= window.fits_(cost);
    }
    return fits;
  }

  override take_(gate: KeyGate<K>, cost: number): void {
    const now = this.#now;
    for (const window of this.#global) window.record_(now, cost);
    for (const window of this.#windowsOf(gate)) window.record_(now, cost);
  }

  /** A start keeps its cost for its whole window: an end gives nothing back. */
  override giveBack_(): void {}

  override room_(): boolean {
    const now = this.#scheduler.now();
    for (const window of this.#global) {
      window.expire_(now);
      if (!window.fits_(1)) return false;
    }
    return true;
  }

  /** A rate key holds nothing: it is busy while it waits. */
  override busy_(gate: KeyGate<K>): boolean {
    return gate.waiters_.size_ > 0;
  }

  override droppable_(gate: KeyGate<K>): boolean {
    const now = this.#scheduler.now();
    for (const window of gate.windows_ ?? []) {
      window.expire_(now);
      if (window.inWindow_ > 0) return false;
    }
    return true;
  }

  /** When `gate`'s head will fit every window it meets (Infinity without a head). */
  #fitsAt(gate: KeyGate<K>): number {
    const head = gate.waiters_.head_;
    if (!head) return Infinity;
    let at = -Infinity;
    for (const window of this.#global) at = Math.max(at, window.fitsAt_(head.weight_));
    for (const window of this.#windowsOf(gate)) at = Math.max(at, window.fitsAt_(head.weight_));
    return at;
  }

  /** Arms the one timer for the earliest moment some waiting key's head fits, or none (a walk of the keys that wait). */
  override planned_(): void {
    let at = Infinity;
    for (let gate = this.rotation_.head_; gate; gate = gate.next_ as KeyGate<K> | undefined) at = Math.min(at, this.#fitsAt(gate));
    this.#arm(at);
  }

  /** A head that waits for its window: the timer moves only if that comes sooner (no walk). */
  override waits_(gate: KeyGate<K>): void {
    const at = this.#fitsAt(gate);
    if (!(at >= this.#timerAt)) this.#arm(at);
  }

  #arm(at: number): void {
    if (at === this.#timerAt) return;
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Infinity) return;
    this.#timer = scheduleAfter(this.#scheduler, Math.max(0, at - this.#scheduler.now()), () => {
      this.#timer = undefined;
      this.#timerAt = NaN;
      this.dispatch_();
    });
  }
}
