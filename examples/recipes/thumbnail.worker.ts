// The worker module of the Node recipe (docs/recipes/node.md): a CPU-heavy "thumbnail" of an id.
import { exposeWorker, type WorkerContext } from 'rxjs-concurrency/worker';

export const tasks = exposeWorker({
  thumbnail: (id: string, ctx: WorkerContext): Uint8Array => {
    const pixels = new Uint8Array(64 * 64);
    for (let i = 0; i < pixels.length; i++) {
      if (i % 512 === 0) ctx.throwIfCancelled(); // a cancelled request stops the loop
      pixels[i] = (id.charCodeAt(i % id.length) * (i + 1)) % 256;
    }
    return pixels;
  },
});
