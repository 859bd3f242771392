/**
 * The algorithms of `AdaptiveLimit`: each takes the outcome of a section and gives the new limit
 * (a real number; the limit is its floor, kept in [min, max] by the caller).
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
 * Additive increase, multiplicative decrease: a section that completes while at least half the
 * limit was in use raises the limit by one (a limit nobody uses does not grow); an overload
 * multiplies it by 0.9.
 */
export class Aimd implements LimitAlgorithm {
  sample_(limit: number, _latency: number, inflight: number): number {
    return inflight * 2 >= limit ? limit + 1 : limit;
  }

  overload_(limit: number): number {
    return limit * BACKOFF;
  }
}

/**
 * The latency gradient, in the manner of Netflix's Gradient2: a long-term average of the latency
 * (the no-load estimate) against each sample. The gradient, 1.5 × long / sample kept in [0.5, 1],
 * scales the limit, plus a queue allowance of √limit; the result is smoothed (one fifth of the way
 * per sample). While less than half the limit is in use the limit does not grow; when the samples
 * have stayed well below the long average (latency came back down after a long rise) the average
 * decays toward them. An overload multiplies the limit by 0.9.
 */
export class Gradient implements LimitAlgorithm {
  /** The long-term average of the latency: a plain mean of the first samples, then exponential. */
  #long = 0;
  #samples = 0;

  sample_(limit: number, latency: number, inflight: number): number {
    const rtt = Math.max(latency, 1e-3);
    this.#samples++;
    this.#long = this.#samples <= WARMUP ? this.#long + (rtt - this.#long) / this.#samples : this.#long + (rtt - this.#long) * (2 / (WINDOW + 1));
    if (this.#long / rtt > 2) this.#long *= 0.95;
    if (inflight < limit / 2) return limit;
    const gradient = Math.max(0.5, Math.min(1, (TOLERANCE * this.#long) / rtt));
    const next = limit * gradient + Math.sqrt(limit);
    return limit * (1 - SMOOTHING) + next * SMOOTHING;
  }

  overload_(limit: number): number {
    return limit * BACKOFF;
  }
}

const WARMUP = 10;
const WINDOW = 600;
const TOLERANCE = 1.5;
const SMOOTHING = 0.2;
