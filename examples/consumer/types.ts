// Type-checked by a consumer with moduleResolution node16 and bundler.
import { of, type Observable } from 'rxjs';
import { fromWorker, gatherSettled, raceFirst, semaphoreMap, Semaphore, timeoutWith, type Settled } from 'rxjs-concurrency';
import { createQueuePool } from 'rxjs-concurrency/bullmq';
import { RedisSemaphore } from 'rxjs-concurrency/redis';
import { Redis } from 'ioredis'; // the form docs/redis.md shows: it compiles under node16 and bundler alike
import { exposeWorker, type WorkerContext } from 'rxjs-concurrency/worker';
import { runUntilSignal } from 'rxjs-concurrency/node';
import { checkOperatorContract, inProcessPool } from 'rxjs-concurrency/testing';
import { instrument, type Instrumented } from 'rxjs-concurrency/otel';
import { metrics } from '@opentelemetry/api';
import { KeyedSemaphore } from 'rxjs-concurrency';
import { RedisKeyedSemaphore } from 'rxjs-concurrency/redis';

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
// every limit and pool takes instrument() without a cast
const meter = metrics.getMeter('consumer');
const handles: Instrumented[] = [
  instrument(new Semaphore(2), { meter, name: 'sem' }),
  instrument(new KeyedSemaphore<string>({ permits: 2 }), { meter, name: 'keyed', keys: true }),
  instrument(quota, { meter, name: 'redis' }),
  instrument(new RedisKeyedSemaphore(new Redis({ lazyConnect: true }), 'tenants', { permits: 4 }), { meter, name: 'tenants' }),
  instrument(pool, { meter, name: 'pool', attributes: { service: 'consumer' } }),
];
handles.forEach((h) => h.remove());
