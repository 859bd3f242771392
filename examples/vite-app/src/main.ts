// A small app built by `vite build` for production and run in Chromium by spec/bundlers.spec.ts.
import { firstValueFrom, lastValueFrom, range, take, toArray } from 'rxjs';
import { createWorkerPool, fromAbortable, fromWorker, semaphoreMap } from 'rxjs-concurrency';
import type { tasks } from './tasks.worker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const pool = createWorkerPool<typeof tasks>(() => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' }), {
    size: 1,
    cancelGrace: 50,
  });
  const value = await firstValueFrom(fromWorker(pool, 'add', 2, 3));
  const streamed = await lastValueFrom(fromWorker(pool, 'count', 1_000_000).pipe(take(3), toArray()));
  // a busy loop that ignores its signal, cancelled: the pool replaces the worker and goes on
  const spinning = fromWorker(pool, 'spin').subscribe();
  await sleep(100);
  spinning.unsubscribe();
  const afterSpin = await firstValueFrom(fromWorker(pool, 'add', 40, 2));
  // a loop that checks ctx.throwIfCancelled: stops without replacing the worker
  const polite = fromWorker(pool, 'spinPolitely').subscribe();
  await sleep(50);
  polite.unsubscribe();
  const afterPolite = await firstValueFrom(fromWorker(pool, 'add', 1, 1));
  // an error thrown in the worker arrives with its name and message
  const error = await firstValueFrom(fromWorker(pool, 'check', -1)).catch((e: Error) => [e.name, e.message]);
  // the inline form: a self-contained function, run in a worker made from its source
  const inline = await firstValueFrom(fromWorker((a: number, b: number) => a * b, 6, 7));
  // six calls to the server, never more than two in flight
  const items = await lastValueFrom(
    range(1, 6).pipe(
      semaphoreMap(2, (id) => fromAbortable((signal) => fetch(`/api/item?id=${id}`, { signal }).then((r) => r.json() as Promise<{ id: number }>))),
      toArray(),
    ),
  );
  await pool.terminate();
  return { value, streamed, afterSpin, afterPolite, error, inline, items: items.map((i) => i.id).sort((a, b) => a - b), isolated: globalThis.crossOriginIsolated === true };
}

const out = document.getElementById('out')!;
main().then(
  (result) => {
    (window as unknown as { result: unknown }).result = result;
    out.textContent = JSON.stringify(result);
  },
  (error: unknown) => {
    (window as unknown as { result: unknown }).result = { error: String(error) };
    out.textContent = String(error);
  },
);
