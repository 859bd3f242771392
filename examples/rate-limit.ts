// A rate limit shared by two streams: "5 calls per second" to one API, never exceeded in any second.
import { asyncScheduler, defer, lastValueFrom, merge, of, range, toArray, type SchedulerLike } from 'rxjs';
import { RateLimiter, rateLimitMap } from '../src/index.js';
import { runIfMain, type Log } from './log.js';

export default async function rateLimit(log: Log): Promise<{ most: number; starts: number[] }> {
  log('-- RateLimiter { limit: 5, interval: 1000 } shared by the users and the orders streams');
  // the limiter's clock, read where it decides: each start is logged at the time the limiter saw
  let seen = 0;
  const clock: SchedulerLike = { now: () => (seen = asyncScheduler.now()), schedule: asyncScheduler.schedule.bind(asyncScheduler) };
  const api = new RateLimiter({ limit: 5, interval: 1000, scheduler: clock });
  const t0 = asyncScheduler.now();
  const starts: number[] = [];
  const call = (what: string) =>
    defer(() => {
      const at = seen - t0;
      starts.push(at);
      log(`${what} starts at ${String(at).padStart(4)} ms`);
      return of(what);
    });
  const users = range(1, 6).pipe(rateLimitMap(api, (id) => call(`user ${id}`)));
  const orders = range(1, 6).pipe(rateLimitMap(api, (id) => call(`order ${id}`)));
  await lastValueFrom(merge(users, orders).pipe(toArray()));
  // the most calls started in any span of one second (by the same clock the limiter uses)
  const most = Math.max(...starts.map((s) => starts.filter((o) => o >= s && o < s + 1000).length));
  log(`12 calls in ${starts[starts.length - 1]} ms; the most started in any one second: ${most}`);
  return { most, starts };
}

runIfMain(import.meta.url, rateLimit);
