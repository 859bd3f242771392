/**
 * Wraps `work` so that a call made while it is already running (a synchronous source that ends
 * and frees a slot, a permit released inside a section) does not recurse: it is noted, and `work`
 * runs once more when the outer call finishes. 100 000 synchronous hand-offs use one stack frame.
 *
 * `work` must do everything that can be done now, so running it again is always safe.
 */
export function trampoline(work: () => void): () => void {
  let running = false;
  let again = false;
  return function run(): void {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        work();
      } while (again);
    } finally {
      running = false;
    }
  };
}
