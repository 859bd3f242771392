// docs/raceFirst.md: the fastest of three requests wins and the others are aborted; a hedged race.
// Run by spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { defer, firstValueFrom, map, timer } from 'rxjs';
import { fromAbortable } from 'rxjs-concurrency';

const aborted: string[] = [];
/** Stands for a fetch from a mirror: B answers first; an aborted request is recorded. */
const fetchFrom = (mirror: string) =>
  fromAbortable(
    (signal) =>
      new Promise<string>((resolve) => {
        const t = setTimeout(() => resolve(`data from ${mirror}`), mirror === 'B' ? 10 : 40);
        signal.addEventListener('abort', () => (clearTimeout(t), aborted.push(mirror)));
      }),
  );
const primary$ = defer(() => timer(300).pipe(map(() => 'primary')));
const backup$ = defer(() => timer(10).pipe(map(() => 'backup')));
const lines: unknown[][] = [];
const console = { log: (...args: unknown[]) => lines.push(args) };

// docs: begin
import { raceFirst } from 'rxjs-concurrency';

raceFirst([fetchFrom('A'), fetchFrom('B'), fetchFrom('C')])
  .subscribe((data) => console.log('fastest', data)); // the two slower requests are aborted

// hedged: ask the backup only if the primary has not answered in 120 ms
raceFirst([primary$, backup$], { stagger: 120 });
// docs: end

assert.equal(await firstValueFrom(raceFirst([primary$, backup$], { stagger: 120 })), 'backup');
assert.deepEqual(lines, [['fastest', 'data from B']]);
assert.deepEqual(aborted.sort(), ['A', 'C']);
globalThis.console.log('fastest B; A and C aborted; the hedged race went to the backup');
