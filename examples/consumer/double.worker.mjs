// A worker for otel.mjs: one task.
import { exposeWorker } from 'rxjs-concurrency/worker';

exposeWorker({ double: (n) => n * 2 });
