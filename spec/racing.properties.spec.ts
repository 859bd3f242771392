import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { EmptyError, TimeoutError, map, type Observable } from 'rxjs';
import { gatherSettled, mergeAsCompleted, raceFirst, timeoutWith, type Settled } from '../src/index.js';
import { fromMarble, marbleSource, type MarbleSource } from '../src/testing/marbles.js';
import { RUNS, maxOverlap, newTestScheduler } from './helpers.js';

type Note = { frame: number; kind: 'N' | 'E' | 'C'; value?: unknown };

/** Subscribes under virtual time and records every notification with its frame. */
function record<T>(scheduler: ReturnType<typeof newTestScheduler>, out: Observable<T>): Note[] {
  const notes: Note[] = [];
  out.subscribe({
    next: (value) => notes.push({ frame: scheduler.now(), kind: 'N', value }),
    error: (value) => notes.push({ frame: scheduler.now(), kind: 'E', value }),
    complete: () => notes.push({ frame: scheduler.now(), kind: 'C' }),
  });
  return notes;
}

/** The result of a cold source, computed from its diagram alone: one char per frame. */
function expectedResult(source: MarbleSource, index: number, deadline: number): Settled<string> {
  const end = source.marble.search(/[|#]/);
  if (end < 0 || end >= deadline) return { status: 'rejected', index, reason: 'timeout' };
  if (source.marble[end] === '#') return { status: 'rejected', index, reason: source.error };
  const letters = source.marble.slice(0, end).replace(/-/g, '');
  if (!letters) return { status: 'rejected', index, reason: 'empty' };
  return { status: 'fulfilled', index, value: source.values[letters[letters.length - 1]!]! };
}

const normalise = (s: Settled<unknown>) =>
  s.status === 'fulfilled'
    ? s
    : { ...s, reason: s.reason instanceof TimeoutError ? 'timeout' : s.reason instanceof EmptyError ? 'empty' : s.reason };

const sources = fc.array(marbleSource({ maxFrames: 10 }), { maxLength: 6 });

describe('properties over random marble diagrams', () => {
  it('gatherSettled equals an independent computation of each source’s result, in input order', () => {
    fc.assert(
      fc.property(sources, fc.integer({ min: 0, max: 14 }), (list, deadline) => {
        fc.pre(list.every((s) => s.marble.search(/[|#]/) !== deadline));
        const scheduler = newTestScheduler();
        scheduler.run((helpers) => {
          const notes = record(scheduler, gatherSettled(list.map((s) => fromMarble(helpers, s)), { timeout: deadline }));
          helpers.flush();
          expect(notes.map((n) => n.kind)).toEqual(['N', 'C']);
          expect((notes[0]!.value as Settled<unknown>[]).map(normalise)).toEqual(list.map((s, i) => expectedResult(s, i, deadline)));
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('mergeAsCompleted yields each index once and never has more than `concurrency` sources subscribed', () => {
    fc.assert(
      fc.property(
        fc.array(marbleSource({ maxFrames: 8, kinds: ['cold', 'hot'] }), { maxLength: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 20 }),
        (list, concurrency, timeout) => {
          const scheduler = newTestScheduler();
          scheduler.run((helpers) => {
            const observables = list.map((s) => fromMarble(helpers, s));
            const notes = record(scheduler, mergeAsCompleted(observables, { concurrency, timeout, settle: true }));
            helpers.flush();
            const indices = notes.filter((n) => n.kind === 'N').map((n) => (n.value as Settled<unknown>).index);
            expect([...indices].sort((a, b) => a - b)).toEqual(list.map((_, i) => i));
            expect(notes.at(-1)?.kind).toBe('C');
            expect(maxOverlap(observables.flatMap((o) => o.subscriptions))).toBeLessThanOrEqual(concurrency);
            // every source subscribed is unsubscribed by the end
            for (const o of observables) for (const s of o.subscriptions) expect(s.unsubscribedFrame).not.toBe(Infinity);
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('raceFirst never keeps more than one source subscribed after the first value', () => {
    fc.assert(
      fc.property(
        fc.array(marbleSource({ maxFrames: 8, kinds: ['cold', 'hot'] }), { minLength: 1, maxLength: 6 }),
        fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
        (list, stagger) => {
          const scheduler = newTestScheduler();
          scheduler.run((helpers) => {
            const observables = list.map((s) => fromMarble(helpers, s));
            const notes = record(scheduler, raceFirst(observables, stagger === undefined ? {} : { stagger }));
            helpers.flush();
            const first = notes.find((n) => n.kind === 'N');
            if (!first) {
              // no winner: it errored once every source failed, or it is still waiting on a source
              expect(notes.filter((n) => n.kind === 'N')).toEqual([]);
              return;
            }
            const alive = observables.flatMap((o) => o.subscriptions).filter((s) => s.unsubscribedFrame > first.frame);
            expect(alive.length).toBeLessThanOrEqual(1);
            const afterEnd = notes.findIndex((n) => n.kind !== 'N');
            if (afterEnd >= 0) expect(afterEnd).toBe(notes.length - 1);
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('timeoutWith never emits a source value after its deadline; only the fallback does', () => {
    fc.assert(
      fc.property(marbleSource({ maxFrames: 10 }), marbleSource({ maxFrames: 4 }), fc.integer({ min: 0, max: 12 }), (source, fallback, due) => {
        const scheduler = newTestScheduler();
        scheduler.run((helpers) => {
          const fb = fromMarble(helpers, fallback).pipe(map((v) => `fallback:${v}`));
          const notes = record(scheduler, fromMarble(helpers, source).pipe(timeoutWith(due, fb)));
          helpers.flush();
          for (const n of notes) {
            if (n.kind === 'N' && !String(n.value).startsWith('fallback:')) expect(n.frame).toBeLessThanOrEqual(due);
            if (n.kind === 'N' && String(n.value).startsWith('fallback:')) expect(n.frame).toBeGreaterThanOrEqual(due);
          }
          const ends = notes.filter((n) => n.kind !== 'N');
          expect(ends.length).toBeLessThanOrEqual(1);
          if (ends.length) expect(notes.at(-1)).toBe(ends[0]);
        });
      }),
      { numRuns: RUNS },
    );
  });
});
