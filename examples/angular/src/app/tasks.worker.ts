// The app's worker module: the Angular CLI bundles it because app.component.ts writes out
// `new Worker(new URL('./tasks.worker', import.meta.url), { type: 'module' })`.
import { exposeWorker } from 'rxjs-concurrency/worker';

export const tasks = exposeWorker({
  score: (names: string[]) => names.reduce((sum, name) => sum + name.length, 0),
});
