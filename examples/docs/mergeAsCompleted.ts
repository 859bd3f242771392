// docs/mergeAsCompleted.md: results in the order they complete. Run by spec/snippets.spec.ts (in
// about 3 s: the durations are the page's, in seconds).
import assert from 'node:assert/strict';

const lines: unknown[][] = [];
const console = { log: (...args: unknown[]) => lines.push(args) };

// docs: begin
import { timer, map } from 'rxjs';
import { mergeAsCompleted } from 'rxjs-concurrency';

const item = (id: number, s: number) => timer(s * 1000).pipe(map(() => `result ${id}`));
mergeAsCompleted([item(1, 3), item(2, 1), item(3, 2)], { timeout: 5000 })
  .subscribe(({ index, value }) => console.log(index, value)); // item 2, then 3, then 1
// docs: end

await new Promise((resolve) => setTimeout(resolve, 3200));
assert.deepEqual(lines, [[1, 'result 2'], [2, 'result 3'], [0, 'result 1']]);
globalThis.console.log(JSON.stringify(lines));
