// docs/gatherSettled.md: every task's outcome, in input order, never an error. Run by
// spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { defer, map, throwError, timer, type Observable } from 'rxjs';

/** Stands for HttpClient: task 3 and task 5 fail, the others answer after a few ms. */
const http = {
  get: (url: string): Observable<string> =>
    /\/(3|5)$/.test(url) ? throwError(() => new Error(`503 ${url}`)) : defer(() => timer(5).pipe(map(() => url))),
};
const ids = [1, 2, 3, 4, 5, 6];
const lines: string[] = [];
const console = { log: (line: string) => lines.push(line) };

// docs: begin
import { gatherSettled } from 'rxjs-concurrency';

gatherSettled(ids.map((id) => http.get(`/api/task/${id}`)), { concurrency: 4, timeout: 10_000 })
  .subscribe((results) => {
    const failed = results.filter((r) => r.status === 'rejected').map((r) => r.index);
    console.log(`${results.length - failed.length} ok, failed: ${failed}`);
  });
// docs: end

await new Promise((resolve) => setTimeout(resolve, 100));
assert.deepEqual(lines, ['4 ok, failed: 2,4']);
globalThis.console.log(lines[0]);
