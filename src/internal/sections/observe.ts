/**
 * How a section ended, as a number (the section core ships no names): 0 complete, 1 error,
 * 2 unsubscribe (cancelled while it held), 3 cancelled_waiting (before its grant), 4 lease_lost.
 */
export type SectionOutcome = 0 | 1 | 2 | 3 | 4;

/** The names of the outcomes (`rxjs_concurrency.outcome`), by number. */
export const OUTCOMES = ['complete', 'error', 'unsubscribe', 'cancelled_waiting', 'lease_lost'] as const;

/**
 * What an observer keeps on a section: when it asked (then when it was granted; -1 until then: a
 * number that stays a small integer, where NaN would box a double in every section), and its weight.
 */
export interface Observed {
  since_: number;
  readonly weight_: number;
}

/**
 * The one observation hook of every limit. A gate holds one in `observer_` (undefined while nobody
 * observes: a section then pays one property read per event). The core tells it each event of a
 * section as a number — an outcome 0–4 for a granted section's end, 10 + outcome for one that
 * leaves without a grant, 5 when it starts to wait, 6 at its grant — and `timed` turns them into
 * durations for the handlers.
 */
export interface SectionObserver {
  on_(section: Observed, event: number, key: unknown, error?: unknown): void;
}

/** What a limit's observers want to hear: `rxjs-concurrency/otel`, `AdaptiveLimit`, a `RateLimiter` that backs off. */
export interface SectionHandlers {
  /** A section (of `key`, for a keyed limit) was granted (or started) `weight` after waiting `waited` ms. */
  granted_(key: unknown, weight: number, waited: number): void;
  /** A granted section ended after holding `held` ms; `error` is its error, if it failed. */
  ended_(key: unknown, weight: number, held: number, outcome: SectionOutcome, error?: unknown): void;
  /** A section that was never granted left: unsubscribed while it waited, rejected, or forgotten. */
  left_(key: unknown, outcome: SectionOutcome): void;
}

/** What a limit tells `rxjs-concurrency/otel` when it installs (or removes) its handlers. */
export type ObservedKind = 'permits' | 'rate';

/** The observer that times a section's events on `clock` (ms) and tells `handlers`. */
export function timed(clock: () => number, handlers: SectionHandlers): SectionObserver {
  return {
    on_(section, event, key, error) {
      if (event === 5) section.since_ = clock();
      else if (event === 6) {
        const now = clock();
        // a section granted as it asked never waited (nor was timed)
        handlers.granted_(key, section.weight_, section.since_ >= 0 ? now - section.since_ : 0);
        section.since_ = now;
      } else if (event >= 10) handlers.left_(key, (event - 10) as SectionOutcome);
      else handlers.ended_(key, section.weight_, clock() - section.since_, event as SectionOutcome, error);
    },
  };
}

/** A limit's own handlers (those that learn from its sections) with another's beside them, or alone. */
export function besideOwn(own: SectionHandlers, other: SectionHandlers | undefined): SectionHandlers {
  if (!other) return own;
  return {
    granted_: (key, weight, waited) => (own.granted_(key, weight, waited), other.granted_(key, weight, waited)),
    left_: (key, outcome) => (own.left_(key, outcome), other.left_(key, outcome)),
    ended_: (key, weight, held, outcome, error) => (own.ended_(key, weight, held, outcome, error), other.ended_(key, weight, held, outcome, error)),
  };
}
