// docs/recipes/node.md, "CPU-heavy work without blocking the event loop", as a program that compiles.
import { createServer } from 'node:http';
import { createWorkerPool, fromWorker } from 'rxjs-concurrency';
import type { tasks } from './thumbnail.worker.js';

// file: examples/recipes/node-thumbnail.ts
const pool = createWorkerPool<typeof tasks>(new URL('./thumbnail.worker.js', import.meta.url), { idleTimeout: 30_000 });
const server = createServer((req, res) => {
  const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('id') ?? 'none';
  const sub = fromWorker(pool, 'thumbnail', id).subscribe({
    next: (pixels) => res.end(Buffer.from(pixels)),
    error: () => res.writeHead(500).end(),
  });
  req.on('close', () => sub.unsubscribe()); // the client left: the worker task is cancelled
});
// end of the docs excerpt

export { server };
