// docs/Lock.md: ten read-modify-write sections on one counter, with a yield between the read and
// the write; the lock keeps every update. Run by spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { defer, lastValueFrom, map, merge, timer } from 'rxjs';
import { Lock } from 'rxjs-concurrency';

// docs: begin
const lock = new Lock();
let counter = 0;
const increment = defer(() => { const read = counter; return timer(1).pipe(map(() => (counter = read + 1))); });
merge(...Array.from({ length: 10 }, () => lock.section(increment))).subscribe(); // 10, never less
// docs: end

await lastValueFrom(lock.section(defer(async () => counter)));
assert.equal(counter, 10);
console.log(`counter ${counter}`);
