/**
 * One strict sliding window of a rate limit: the starts of the last `interval` ms, oldest first
 * (their times and costs; starts at the same millisecond share an entry), and their total cost.
 * `RateLimiter` holds one per window it keeps (4 per second *and* 60 per minute).
 */
export class Window {
  readonly limit: number;
  readonly interval: number;
  #times: number[] = [];
  #costs: number[] = [];
  #head = 0;
  /** The cost started in the window now (after `expire`). */
  inWindow_ = 0;

  constructor(limit: number, interval: number) {
    this.limit = limit;
    this.interval = interval;
  }

  /** Forgets the starts that have left the window by `now`. */
  expire_(now: number): void {
    const times = this.#times;
    const costs = this.#costs;
    while (this.#head < times.length && times[this.#head]! <= now - this.interval) this.inWindow_ -= costs[this.#head++]!;
    if (this.#head > 64 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#costs = costs.slice(this.#head);
      this.#head = 0;
    }
  }

  fits_(cost: number): boolean {
    return this.inWindow_ + cost <= this.limit;
  }

  /** Adds a start to the window. */
  record_(now: number, cost: number): void {
    const last = this.#times.length - 1;
    if (last >= this.#head && this.#times[last] === now) this.#costs[last] += cost;
    else {
      this.#times.push(now);
      this.#costs.push(cost);
    }
    this.inWindow_ += cost;
  }

  /** When `cost` will fit, once enough of the oldest starts have left (a time ≤ now if it fits now). */
  fitsAt_(cost: number): number {
    let sum = this.inWindow_;
    let k = this.#head;
    while (sum + cost > this.limit) sum -= this.#costs[k++]!;
    return k === this.#head ? -Infinity : this.#times[k - 1]! + this.interval;
  }
}
