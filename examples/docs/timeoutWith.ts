// docs/timeoutWith.md: a deadline on the whole search, and one at an absolute time. Run by
// spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { NEVER, TimeoutError, interval, lastValueFrom, map, take } from 'rxjs';

const search$ = interval(500).pipe(take(10), map((i) => [`hit ${i}`])); // too slow as a whole
const upload$ = NEVER;
const deadline = Date.now() + 50;

// docs: begin
import { of } from 'rxjs';
import { timeoutWith } from 'rxjs-concurrency';

search$.pipe(timeoutWith(2000, of([])));                // whole search within 2 s, or nothing
upload$.pipe(timeoutWith(new Date(deadline)));           // TimeoutError at an absolute time
// docs: end

assert.deepEqual(await lastValueFrom(search$.pipe(timeoutWith(2000, of([])), take(10))).catch(String), []);
assert.ok((await lastValueFrom(upload$.pipe(timeoutWith(new Date(deadline)))).catch((e: unknown) => e)) instanceof TimeoutError);
console.log('the search gave up at 2 s, the upload hit its deadline');
