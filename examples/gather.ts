// asyncio.gather(*tasks, return_exceptions=True): every result, failures included, in input order.
import { defer, lastValueFrom, map, throwError, timer } from 'rxjs';
import { gatherSettled } from '../src/index.js';
import { runIfMain, type Log } from './log.js';

export default async function gather(log: Log): Promise<number[]> {
  log('-- gatherSettled: ten tasks, 0, 4 and 8 fail; every outcome is kept');
  const task = (id: number) =>
    defer(() => (id % 4 === 0 ? throwError(() => new Error(`task ${id} failed`)) : timer(20 + ((id * 37) % 50)).pipe(map(() => id * 10))));
  const results = await lastValueFrom(gatherSettled(Array.from({ length: 10 }, (_, id) => task(id))));
  for (const r of results) {
    log(r.status === 'fulfilled' ? `task ${r.index}: ${r.value}` : `task ${r.index}: ${(r.reason as Error).message}`);
  }
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.index);
  log(`${results.length - failed.length} succeeded, failed: ${failed.join(', ')}`);
  return failed;
}

runIfMain(import.meta.url, gather);
