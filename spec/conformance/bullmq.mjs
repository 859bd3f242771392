// Conformance: rxjs-concurrency/bullmq against the redis-server on the port in argv — a serving
// side and a queue pool in one process: values, streaming, an error, a cancel. Prints `bullmq ok`.
import assert from 'node:assert/strict';
import { lastValueFrom, take, toArray } from 'rxjs';
import { fromWorker } from 'rxjs-concurrency';
import { exposeWorker } from 'rxjs-concurrency/worker';
import { createQueuePool, serveQueue } from 'rxjs-concurrency/bullmq';

const port = Number(process.argv.at(-1));
const connection = { host: '127.0.0.1', port };
const queue = `conformance-${Math.random().toString(36).slice(2)}`;
let aborted = 0;
const tasks = exposeWorker({
  add: (a, b) => a + b,
  *count(n) {
    for (let i = 1; i <= n; i++) yield i;
  },
  fail: (message) => {
    throw new RangeError(message);
  },
  wait: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => ((aborted++), resolve(0)))),
});
const server = await serveQueue(tasks, { connection, queue, concurrency: 2 });
const pool = createQueuePool({ connection, queue });
try {
  assert.equal(await lastValueFrom(fromWorker(pool, 'add', 2, 40)), 42);
  assert.deepEqual(await lastValueFrom(fromWorker(pool, 'count', 4).pipe(toArray())), [1, 2, 3, 4]);
  assert.deepEqual(await lastValueFrom(fromWorker(pool, 'count', 100).pipe(take(2), toArray())), [1, 2]);
  const error = await lastValueFrom(fromWorker(pool, 'fail', 'bad')).catch((e) => e);
  assert.equal(error.name, 'RangeError');
  const sub = fromWorker(pool, 'wait').subscribe();
  await new Promise((r) => setTimeout(r, 300));
  sub.unsubscribe();
  for (let waited = 0; aborted === 0; waited += 20) {
    if (waited > 5000) assert.fail('the running job was not aborted');
    await new Promise((r) => setTimeout(r, 20));
  }
} finally {
  await pool.terminate();
  await server.close();
}
console.log('bullmq ok');
