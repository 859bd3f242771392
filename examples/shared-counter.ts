// asyncio.Lock around a shared counter: 10 workers × 100 read-yield-write increments.
import { defer, from, lastValueFrom, map, merge, range, concatMap, type Observable } from 'rxjs';
import { Lock, lockedSection } from '../src/index.js';
import { runIfMain, type Log } from './log.js';

/** One increment: read the counter, yield to the event loop (a short delay), write read + 1. */
function increment(state: { counter: number }): Observable<number> {
  return defer(() => {
    const read = state.counter;
    return from(Promise.resolve()).pipe(map(() => (state.counter = read + 1)));
  });
}

function workers(state: { counter: number }, lock: Lock | undefined): Observable<number> {
  const worker = range(0, 100).pipe(
    // each worker does its increments one after another; with a lock, each is a critical section
    lock ? lockedSection(lock, () => increment(state)) : concatMap(() => increment(state)),
  );
  return merge(...Array.from({ length: 10 }, () => worker));
}

export default async function sharedCounter(log: Log): Promise<[number, number]> {
  log('-- Lock: 10 workers × 100 increments of a shared counter, each with a yield inside');
  const unsafe = { counter: 0 };
  await lastValueFrom(workers(unsafe, undefined), { defaultValue: 0 });
  log(`without the lock: counter = ${unsafe.counter} (updates lost: ${1000 - unsafe.counter})`);
  const safe = { counter: 0 };
  await lastValueFrom(workers(safe, new Lock()), { defaultValue: 0 });
  log(`with lockedSection(lock): counter = ${safe.counter}`);
  return [unsafe.counter, safe.counter];
}

runIfMain(import.meta.url, sharedCounter);
