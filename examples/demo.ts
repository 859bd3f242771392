// `npm run demo`: the asyncio scenarios, played with rxjs-concurrency, one after another.
import asCompleted from './as-completed.js';
import cancelCleanup from './cancel-cleanup.js';
import deadline from './deadline.js';
import executor from './executor.js';
import apiSemaphore from './api-semaphore.js';
import gather from './gather.js';
import gracefulShutdown from './graceful-shutdown.js';
import { createLog, type Log } from './log.js';
import raceMirrors from './race-mirrors.js';
import rateLimit from './rate-limit.js';
import redisShared from './redis-shared.js';
import sharedCounter from './shared-counter.js';

const scenarios: [string, (log: Log) => Promise<unknown>][] = [
  ['Racing mirrors (asyncio.wait FIRST_COMPLETED, staggered_race)', raceMirrors],
  ['Completion order (asyncio.as_completed)', asCompleted],
  ['Gathering with failures (asyncio.gather return_exceptions=True)', gather],
  ['A deadline (asyncio.wait_for)', deadline],
  ['A shared counter under a lock (asyncio.Lock)', sharedCounter],
  ['An API limited to three concurrent calls (asyncio.Semaphore)', apiSemaphore],
  ['A rate limit shared by two streams: 5 calls per second', rateLimit],
  ['One limit shared by three processes, in Redis', redisShared],
  ['Cancellation with an asynchronous cleanup (task.cancel, CancelledError)', cancelCleanup],
  ['Graceful shutdown on Ctrl+C (KeyboardInterrupt, add_signal_handler)', gracefulShutdown],
  ['Blocking code off the main thread (loop.run_in_executor)', executor],
];

for (const [title, scenario] of scenarios) {
  console.log(`\n=== ${title}`);
  await scenario(createLog());
}
