// asyncio.wait_for: a deadline on the whole operation; the slow source is cancelled and cleans up first.
import { Observable, TimeoutError, lastValueFrom, of } from 'rxjs';
import { timeoutWith } from '../src/index.js';
import { runIfMain, type Log } from './log.js';

export default async function deadline(log: Log): Promise<string> {
  log('-- timeoutWith: a 1000 ms operation under a 200 ms deadline');
  const slow = new Observable<string>((subscriber) => {
    log('slow operation: started');
    const t = setTimeout(() => (subscriber.next('done'), subscriber.complete()), 1000);
    return () => {
      clearTimeout(t);
      log('slow operation: cleanup ran');
    };
  });
  const outcome = await lastValueFrom(slow.pipe(timeoutWith(200))).catch((error: unknown) => {
    log(error instanceof TimeoutError ? 'timed out after 200 ms (TimeoutError)' : `failed: ${String(error)}`);
    return 'timeout';
  });
  const fallback = await lastValueFrom(slow.pipe(timeoutWith(100, of('cached value'))));
  log(`with a fallback: ${fallback}`);
  return outcome;
}

runIfMain(import.meta.url, deadline);
