// Conformance: runUntilSignal stops a service on SIGINT after its asynchronous cleanup. The suite
// starts this file, waits for `ready`, sends SIGINT and expects `cleaned` and exit code 0.
import { interval } from 'rxjs';
import { finalizeWith } from 'rxjs-concurrency';
import { runUntilSignal } from 'rxjs-concurrency/node';

const service = interval(20).pipe(
  finalizeWith(async (reason) => {
    await new Promise((r) => setTimeout(r, 30));
    console.log(`cleaned ${reason}`);
  }),
);
const done = runUntilSignal(service);
console.log('ready');
await done;
console.log('stopped');
