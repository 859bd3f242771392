// asyncio.Semaphore(3): ten API calls, never more than three in flight.
import { defer, lastValueFrom, map, range, timer, toArray } from 'rxjs';
import { Semaphore, semaphoreMap } from '../src/index.js';
import { runIfMain, type Log } from './log.js';

export default async function apiSemaphore(log: Log): Promise<number> {
  log('-- Semaphore(3): ten API calls through one shared semaphore');
  const quota = new Semaphore(3);
  let inside = 0;
  let most = 0;
  const call = (id: number) =>
    defer(() => {
      inside++;
      most = Math.max(most, inside);
      log(`call ${id} starts: ${inside} inside, ${quota.available} permits free`);
      return timer(40 + ((id * 23) % 40)).pipe(
        map(() => {
          inside--;
          log(`call ${id} done`);
          return id;
        }),
      );
    });
  await lastValueFrom(range(1, 10).pipe(semaphoreMap(quota, call), toArray()));
  log(`most calls inside at once: ${most}`);
  return most;
}

runIfMain(import.meta.url, apiSemaphore);
