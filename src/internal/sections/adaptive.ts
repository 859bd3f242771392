/**
 * The algorithms of `AdaptiveLimit`. Each sees every section's outcome and moves the limit (a real
 * number; the limit is its floor, kept in [min, max] by the caller) once per window of `ceil(limit)`
 * outcomes — about one round trip of the whole limit — not per section: a limit that moved on every
 * one of thousands of responses a second would race far past what the backend holds before the
 * first sign of trouble came back.
 */
export interface LimitAlgorithm {
  /** A section completed in `latency` ms while `inflight` weight held (itself included). */
  sample_(limit: number, latency: number, inflight: number): number;
  /** A section met an overload. */
  overload_(limit: number): number;
}

/** What an overload keeps of the limit, in both algorithms. */
const BACKOFF = 0.9;

/**
 * Counts a window's outcomes: whether the limit was used, whether an overload came. An overload
 * lowers the limit at once — the first of a window: the sections that were already on their way
 * bring theirs back too, and one cause must not cut the limit many times — and the window that
 * holds it does not raise the limit.
 */
abstract class Windowed implements LimitAlgorithm {
  #count = 0;
  #dropped = false;
  #used = false;
  /** Outcomes since the last decrease: another overload lowers the limit only after a window of them. */
  #sinceDecrease = Infinity;

  sample_(limit: number, latency: number, inflight: number): number {
    // a limit used less than half cannot tell whether it is too low: it does not grow
    if (inflight * 2 >= limit) this.#used = true;
    this.seen_(latency);
    return this.#close(limit);
  }

  overload_(limit: number): number {
    this.#dropped = true;
    if (this.#sinceDecrease < Math.ceil(limit)) return this.#close(limit);
    this.#sinceDecrease = 0;
    return limit * BACKOFF;
  }

  #close(limit: number): number {
    this.#sinceDecrease++;
    if (++this.#count < Math.ceil(limit)) return limit;
    const grow = !this.#dropped;
    const used = this.#used;
    this.#count = 0;
    this.#dropped = this.#used = false;
    return grow ? this.next_(limit, used) : (this.next_(limit, false), limit);
  }

  /** A completed section's latency, within the window. */
  protected abstract seen_(latency: number): void;
  /** The limit after a window without an overload (`used`: at least half used). */
  protected abstract next_(limit: number, used: boolean): number;
}

/**
 * Additive increase, multiplicative decrease: after a window in which the limit was at least half
 * used, one more; after a window with an overload, 0.9 of it.
 */
export class Aimd extends Windowed {
  protected seen_(): void {}

  protected next_(limit: number, used: boolean): number {
    return used ? limit + 1 : limit;
  }
}

/**
 * The latency gradient, in the manner of Netflix's Gradient2: the lowest recent latency (the
 * no-load estimate: the smallest window average, drifting up 0.05 % a window so that a backend that
 * became slower for good becomes the new baseline) over the recent latency (the window averages,
 * each taken half way), kept in
 * [0.5, 1], scales the limit, plus a queue allowance of √limit / 2. A lower result is taken one
 * fifth of the way (smoothed); a higher one at once, so that a backend that scaled up is used
 * within a few round trips. It settles where the backend starts to queue, a little above its
 * capacity, before it overloads.
 */
export class Gradient extends Windowed {
  #sum = 0;
  #samples = 0;
  #noLoad = NaN;
  /** The recent latency: the window averages, smoothed (half each), so that one quick window does not read as room. */
  #recent = NaN;

  protected seen_(latency: number): void {
    this.#sum += Math.max(latency, 1e-3);
    this.#samples++;
  }

  protected next_(limit: number, used: boolean): number {
    const average = this.#sum / this.#samples;
    this.#sum = this.#samples = 0;
    if (!(average > 0)) return limit;
    this.#noLoad = this.#noLoad === this.#noLoad ? Math.min(average, this.#noLoad * DRIFT) : average;
    this.#recent = this.#recent === this.#recent ? (this.#recent + average) / 2 : average;
    if (!used) return limit;
    const gradient = Math.max(0.5, Math.min(1, this.#noLoad / this.#recent));
    const next = limit * gradient + Math.sqrt(limit) / 2;
    return next > limit ? next : limit * (1 - SMOOTHING) + next * SMOOTHING;
  }
}

const DRIFT = 1.0005;
const SMOOTHING = 0.2;
