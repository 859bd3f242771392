// Type-checked by a consumer with moduleResolution node16 and bundler.
import { of, type Observable } from 'rxjs';
import { fromWorker, gatherSettled, raceFirst, semaphoreMap, Semaphore, timeoutWith, type Settled } from 'rxjs-concurrency';
import { createQueuePool } from 'rxjs-concurrency/bullmq';
import { RedisSemaphore } from 'rxjs-concurrency/redis';
import { Redis } from 'ioredis'; // the form docs/redis.md shows: it compiles under node16 and bundler alike
import { exposeWorker, type WorkerContext } from 'rxjs-concurrency/worker';
import { runUntilSignal } from 'rxjs-concurrency/node';
import { checkOperatorContract, inProcessPool } from 'rxjs-concurrency/testing';

const pair: Observable<[Settled<number>, Settled<string>]> = gatherSettled([of(1), of('a')]);
const first: Observable<number | string> = raceFirst([of(1), of('a')]);
const limited: Observable<string> = of(1, 2).pipe(semaphoreMap(new Semaphore(2), (n) => of(String(n))), timeoutWith(100));
const tasks = exposeWorker({ twice: (n: number, _ctx: WorkerContext) => n * 2 });
const pool = inProcessPool(tasks);
const remote: Observable<number> = fromWorker(createQueuePool<typeof tasks>({ connection: { host: 'redis' }, queue: 'tasks', attempts: 1 }), 'twice', 21);
const done: Promise<string | undefined> = runUntilSignal(of(1));
const quota = new RedisSemaphore(new Redis('redis://127.0.0.1:6379', { lazyConnect: true }), 'api-quota', { permits: 3 });
const guarded: Observable<number> = of(1).pipe(semaphoreMap(quota, (n) => of(n)));
checkOperatorContract(() => (source) => source);
export { pair, first, limited, pool, remote, done, guarded };
