// docs/cancellation.md and docs/recipes/node.md: a service stopped by Ctrl+C after its asynchronous
// cleanup. spec/snippets.spec.ts starts this file, waits for its first job, sends SIGINT and reads
// the last line.
import { interval, map, tap } from 'rxjs';

const jobs$ = interval(20).pipe(map((i) => ({ id: i })), tap((job) => job.id === 0 && console.log('serving')));
const handle = (job: { id: number }) => Promise.resolve(job.id);
const queue = { close: async () => void (await new Promise((r) => setTimeout(r, 20))) };
const db = { end: async () => void (await new Promise((r) => setTimeout(r, 20))) };

// docs: begin
import { finalizeWith, semaphoreMap } from 'rxjs-concurrency';
import { runUntilSignal } from 'rxjs-concurrency/node';

const service$ = jobs$.pipe(
  semaphoreMap(8, (job) => handle(job)),
  finalizeWith(async () => {
    await queue.close();
    await db.end();
  }),
);

const signal = await runUntilSignal(service$, { cleanupTimeout: 15_000 });
console.log(`stopped by ${signal}; every cleanup finished`);
// docs: end
