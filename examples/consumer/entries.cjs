// CommonJS consumer: require() of every entry point of the packed package.
const main = require('rxjs-concurrency');
const worker = require('rxjs-concurrency/worker');
const node = require('rxjs-concurrency/node');
const testing = require('rxjs-concurrency/testing');
const redis = require('rxjs-concurrency/redis'); // loads without ioredis installed: it only takes a client
const bullmq = require('rxjs-concurrency/bullmq'); // needs bullmq installed (an optional peer)
const { of, lastValueFrom } = require('rxjs');
const checks = [
  typeof main.raceFirst, typeof main.Semaphore, typeof main.fromWorker, typeof main.cleanups.settled,
  typeof worker.exposeWorker, typeof node.runUntilSignal, typeof testing.checkOperatorContract, typeof redis.RedisSemaphore, typeof redis.LeaseLostError,
  typeof bullmq.createQueuePool, typeof bullmq.serveQueue,
];
if (checks.some((t) => t !== 'function')) throw new Error(`missing exports: ${checks}`);
lastValueFrom(main.gatherSettled([of(1)])).then((r) => console.log(`cjs ok ${r[0].value}`));
