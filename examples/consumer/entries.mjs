// ESM consumer: import of every entry point of the packed package.
import { raceFirst, Semaphore, fromWorker, cleanups, gatherSettled } from 'rxjs-concurrency';
import { exposeWorker } from 'rxjs-concurrency/worker';
import { runUntilSignal } from 'rxjs-concurrency/node';
import { checkOperatorContract } from 'rxjs-concurrency/testing';
import { RedisSemaphore, RedisLock } from 'rxjs-concurrency/redis';
import { createQueuePool, serveQueue } from 'rxjs-concurrency/bullmq';
import { of, lastValueFrom } from 'rxjs';

const checks = [raceFirst, Semaphore, fromWorker, cleanups.settled, exposeWorker, runUntilSignal, checkOperatorContract, RedisSemaphore, RedisLock, createQueuePool, serveQueue];
if (checks.some((f) => typeof f !== 'function')) throw new Error('missing exports');
const [r] = await lastValueFrom(gatherSettled([of(1)]));
const doubled = await lastValueFrom(fromWorker((n) => n * 2, 21));
console.log(`esm ok ${r.value} ${doubled}`);
