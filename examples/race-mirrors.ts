// asyncio.wait(FIRST_COMPLETED) then cancel the pending: three mirrors raced, the losers cancelled.
import { Observable, lastValueFrom } from 'rxjs';
import { raceFirst } from '../src/index.js';
import { runIfMain, type Log } from './log.js';

/** A pretend API call that takes `ms`; it logs its start, its answer, and its cancellation. */
export function fetchFrom(log: Log, name: string, ms: number): Observable<string> {
  return new Observable<string>((subscriber) => {
    log(`API ${name}: starting fetch (${ms} ms)`);
    let finished = false;
    const timer = setTimeout(() => {
      finished = true;
      log(`API ${name}: finished`);
      subscriber.next(`data from ${name}`);
      subscriber.complete();
    }, ms);
    return () => {
      if (finished) return;
      clearTimeout(timer);
      log(`API ${name}: cancelled`);
    };
  });
}

export default async function raceMirrors(log: Log): Promise<string[]> {
  log('-- raceFirst: three mirrors, the fastest wins, the others are cancelled');
  const fastest = await lastValueFrom(raceFirst([fetchFrom(log, 'A', 300), fetchFrom(log, 'B', 100), fetchFrom(log, 'C', 200)]));
  log(`fastest result: ${fastest}`);

  log('-- raceFirst with stagger 120 ms: a second mirror is asked only if the first is slow');
  const hedged = await lastValueFrom(
    raceFirst([fetchFrom(log, 'slow', 400), fetchFrom(log, 'backup', 60), fetchFrom(log, 'spare', 60)], { stagger: 120 }),
  );
  log(`hedged result: ${hedged}`);
  return [fastest, hedged];
}

runIfMain(import.meta.url, raceMirrors);
