import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';

/** Runs per property: hundreds in `npm test`, many more in `npm run test:soak`. */
export const RUNS = process.env.SOAK ? 5000 : 300;

export function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

export interface Interval {
  readonly subscribedFrame: number;
  readonly unsubscribedFrame: number;
}

/** The largest number of subscriptions open at the same frame (an interval is [subscribed, unsubscribed)). */
export function maxOverlap(intervals: readonly Interval[]): number {
  const events: [number, number][] = [];
  for (const i of intervals) {
    if (i.unsubscribedFrame === i.subscribedFrame) continue;
    events.push([i.subscribedFrame, 1], [i.unsubscribedFrame, -1]);
  }
  // at the same frame, ends come before starts: a slot handed over within a frame is not an overlap
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, d] of events) most = Math.max(most, (open += d));
  return most;
}

/** An endless synchronous source for composed tests, and how many values it was asked for. */
export function endlessSource(): { endless: Observable<number>; pulled: () => number } {
  let count = 0;
  const endless = new Observable<number>((subscriber) => {
    while (!subscriber.closed) subscriber.next(count++);
  });
  return { endless, pulled: () => count };
}
