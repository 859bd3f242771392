// docs/lockedSection.md: ten streams of 100 increments, each with a yield between its read and its
// write; with the lock the counter ends at exactly 1000. Run by spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { lastValueFrom, merge, range, toArray } from 'rxjs';
import { Lock, lockedSection } from 'rxjs-concurrency';

let counter = 0;
/** A read, a turn of the event loop, a write: without the lock, updates are lost. */
const incrementWithAYield = async () => {
  const read = counter;
  await Promise.resolve();
  counter = read + 1;
};

// docs: begin
const lock = new Lock();
const worker = range(0, 100).pipe(lockedSection(lock, () => incrementWithAYield()));
merge(...Array.from({ length: 10 }, () => worker)).subscribe(); // counter ends at exactly 1000
// docs: end

await lastValueFrom(lock.section(Promise.resolve(0)).pipe(toArray()));
assert.equal(counter, 1000);
console.log(`counter ${counter}`);
