/** How a section ended (the `rxjs_concurrency.outcome` of its count). */
export type SectionOutcome = 'complete' | 'error' | 'unsubscribe' | 'cancelled_waiting' | 'lease_lost';

/**
 * The one observation hook of every limit: what happened to each section. A gate holds one in
 * `observer_` (undefined while nobody observes: a section then pays one property read per event,
 * and no clock). `rxjs-concurrency/otel` is its one user.
 */
export interface SectionObserver {
  /** The clock of the limit, in ms (its scheduler's, where it has one). */
  now_(): number;
  /** A section (of `key`, for a keyed limit) was granted (or started) `weight` after waiting `waited` ms (NaN: unknown). */
  granted_(key: unknown, weight: number, waited: number): void;
  /** A granted section ended after holding `held` ms (NaN: unknown); `error` is its error, if it failed. */
  ended_(key: unknown, weight: number, held: number, outcome: SectionOutcome, error?: unknown): void;
  /** A section that was never granted left: unsubscribed while it waited, or rejected. */
  left_(key: unknown, outcome: SectionOutcome): void;
}

/** What a limit tells `rxjs-concurrency/otel` when it installs (or removes) its observer. */
export type ObservedKind = 'permits' | 'rate';

/**
 * A limit's own observer (one that learns from its sections: `AdaptiveLimit`, a `RateLimiter` that
 * backs off) with another beside it (`rxjs-concurrency/otel`), or alone.
 */
export function besideOwn(own: SectionObserver, other: SectionObserver | undefined): SectionObserver {
  if (!other) return own;
  return {
    now_: own.now_,
    granted_: (key, weight, waited) => other.granted_(key, weight, waited),
    left_: (key, outcome) => other.left_(key, outcome),
    ended_: (key, weight, held, outcome, error) => {
      own.ended_(key, weight, held, outcome, error);
      other.ended_(key, weight, held, outcome, error);
    },
  };
}
