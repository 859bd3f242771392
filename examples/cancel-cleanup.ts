// asyncio's task.cancel() with `except CancelledError: await cleanup(); raise`, done the RxJS way.
import { interval, tap } from 'rxjs';
import { cleanups, finalizeWith } from '../src/index.js';
import { runIfMain, type Log } from './log.js';

export default async function cancelCleanup(log: Log): Promise<void> {
  log('-- finalizeWith: a long-running task is cancelled and cleans up asynchronously');
  const task = interval(100).pipe(
    tap((n) => log(`task: working (step ${n + 1})`)),
    finalizeWith(async (reason) => {
      log(`task: ${reason === 'unsubscribe' ? 'cancelled' : reason}, cleaning up…`);
      await new Promise((resolve) => setTimeout(resolve, 150));
      log('task: cleanup finished');
    }),
  );
  const subscription = task.subscribe();
  await new Promise((resolve) => setTimeout(resolve, 350));
  log('main: cancelling the task');
  subscription.unsubscribe();
  log(`main: waiting for ${cleanups.pending} cleanup`);
  await cleanups.settled(1000);
  log('main: the task is cancelled and its cleanup is done');
}

runIfMain(import.meta.url, cancelCleanup);
