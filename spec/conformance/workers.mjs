// Conformance: fromWorker inline and on a module pool — values, streaming, concatMap, take(3) of an
// endless generator, cancel (throwIfCancelled and a hard loop), a task sent ahead to a busy worker and
// taken back, a crash, transfer. Prints `workers ok`.
import assert from 'node:assert/strict';
import { concatMap, firstValueFrom, lastValueFrom, of, take, toArray } from 'rxjs';
import { WorkerCrashedError, createWorkerPool, fromWorker, transfer } from 'rxjs-concurrency';

const pool = createWorkerPool(new URL('./tasks.worker.mjs', import.meta.url), { size: 2, cancelGrace: 50 });
try {
  assert.equal(await lastValueFrom(fromWorker((a, b) => a * b, 6, 7)), 42);
  assert.equal(await lastValueFrom(fromWorker(pool, 'add', 2, 3)), 5);
  assert.deepEqual(await lastValueFrom(fromWorker(pool, 'ticks', 3).pipe(toArray())), [0, 10, 20]);
  assert.deepEqual(await lastValueFrom(of(1, 2, 3).pipe(concatMap((n) => fromWorker(pool, 'add', n, n)), toArray())), [2, 4, 6]);
  assert.deepEqual(await lastValueFrom(fromWorker(pool, 'naturals').pipe(take(3), toArray())), [0, 1, 2]);

  // cancel: a loop that looks at ctx, then one that never does (the worker is replaced)
  for (const name of ['spinPolitely', 'spin']) {
    const sub = fromWorker(pool, name).subscribe({ error: (e) => assert.fail(`${name}: ${e}`) });
    await new Promise((r) => setTimeout(r, 50));
    sub.unsubscribe();
    assert.equal(await lastValueFrom(fromWorker(pool, 'add', 1, 1)), 2, `after cancelling ${name}`);
  }

  // every worker busy: the next task is sent ahead to one of them, and taken back by the worker that
  // frees first (a shared claim swapped with Atomics.compareExchange); a burst beyond the pool ends in order
  const idle = async () => {
    for (let i = 0; i < 500 && pool.stats.busy + pool.stats.queued > 0; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await idle(); // the hard loop's worker is replaced after its cancelGrace
  const endless = fromWorker(pool, 'spinPolitely').subscribe({ error: (e) => assert.fail(`spinPolitely: ${e}`) });
  const short = lastValueFrom(fromWorker(pool, 'ticks', 15));
  const ahead = lastValueFrom(fromWorker(pool, 'add', 4, 4));
  assert.deepEqual(pool.stats, { workers: 2, busy: 2, queued: 1 });
  let bound;
  const stuck = new Promise((r) => (bound = setTimeout(() => r('stuck behind the endless task'), 10_000)));
  assert.equal(await Promise.race([ahead, stuck]), 8);
  clearTimeout(bound);
  assert.equal(await short, 140);
  endless.unsubscribe();
  const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => lastValueFrom(fromWorker(pool, 'add', i, 1))));
  assert.deepEqual(burst, Array.from({ length: 200 }, (_, i) => i + 1));
  await idle();
  assert.deepEqual(pool.stats, { workers: 2, busy: 0, queued: 0 });

  // an error keeps its name and message; a worker that dies errors its task, and the pool goes on
  const error = await lastValueFrom(fromWorker(pool, 'fail', 'out of range')).catch((e) => e);
  assert.equal(error.name, 'RangeError');
  assert.equal(error.message, 'out of range');
  const crash = await lastValueFrom(fromWorker(pool, 'die')).catch((e) => e);
  assert.ok(crash instanceof WorkerCrashedError, `a dead worker: ${crash}`);
  assert.equal(await lastValueFrom(fromWorker(pool, 'add', 20, 22)), 42);

  // transfer: moved, not copied, both ways
  const buffer = new Uint8Array([1, 2, 3]).buffer;
  assert.equal(await lastValueFrom(fromWorker(pool, 'sum', transfer(buffer, [buffer]))), 6);
  assert.equal(buffer.byteLength, 0);
  const filled = await firstValueFrom(fromWorker(pool, 'fill', 4));
  assert.deepEqual([...new Uint8Array(filled)], [1, 1, 1, 1]);
  // an unknown name is a TypeError naming the tasks
  const unknown = await lastValueFrom(fromWorker(pool, 'nope')).catch((e) => e);
  assert.ok(unknown instanceof TypeError && /add/.test(unknown.message), `an unknown name: ${unknown}`);
} finally {
  await pool.terminate();
}
console.log('workers ok');
