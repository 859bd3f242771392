/**
 * The worker that ran a task died (it exited, threw outside a task, or ran out of memory); the
 * task errors with this and the pool replaces the worker.
 */
export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError';
  constructor(message = 'The worker running this task crashed', options?: { cause?: unknown }) {
    super(message, options);
  }
}
