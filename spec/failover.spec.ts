// A RedisSemaphore through a Sentinel failover: a master with a replica and three Sentinels on
// loopback ports, three processes of sections, the master SIGKILLed mid-run and the replica promoted
// (scripts/failover-run.ts). Once with the default settings and once with `replicas: 1` and a lagging
// replica; bench/failover.ts
// repeats both for the rates in docs/redis.md.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runFailover, type FailoverResult } from '../scripts/failover-run.js';
import { startSentinelSet, type SentinelSet } from '../scripts/redis-server.js';

// a fresh set for each failover: a second failover in one set of the tests' making has twice left
// the promoted replica pointed at the dead master (scripts/redis-server.ts)
let set: SentinelSet;
beforeEach(async () => {
  set = await startSentinelSet();
}, 60_000);
afterEach(() => set?.stop());

/** What holds with every setting: nothing hangs, a lost section errors with LeaseLostError, tokens only grow, the semaphore serves again. */
function holds(run: FailoverResult): void {
  expect(run.hung, 'sections that entered and never ended').toBe(0);
  expect(run.stuck, 'processes that did not exit by themselves').toBe(0);
  expect(Object.keys(run.errors).every((kind) => kind.startsWith('LeaseLostError')), JSON.stringify(run.errors)).toBe(true);
  expect(run.repeatedTokens).toBe(0);
  expect(run.backwardTokens).toBe(0);
  expect(run.promotion).toBeGreaterThan(1000);
  expect(run.serving, 'ms from the kill to the first section after the promotion').toBeLessThan(run.promotion + 15_000);
  expect(run.sections).toBeGreaterThan(50);
}

describe('RedisSemaphore through a Sentinel failover (the master SIGKILLed mid-run)', () => {
  it('default settings, the replica cut off before the kill: no section hangs, lost sections error with LeaseLostError, tokens never repeat or go backwards (a lost grant’s included), it serves again', { timeout: 90_000 }, async () => {
    const run = await runFailover(set, 'failover-default', { lag: true });
    holds(run);
    // the scenario happened: a section ran on a grant the promoted replica never had, and yet every
    // token granted after the failover is higher than its (backwardTokens, in holds)
    expect(run.enteredUnreplicated).toBeGreaterThan(0);
  });

  it('replicas: 1, the replica cut off before the kill (it lacks the last grants) — besides, never more sections inside than the permits', { timeout: 90_000 }, async () => {
    const run = await runFailover(set, 'failover-replicas', { replicas: 1, lag: true });
    holds(run);
    // a grant counts once a replica has it: no section ran on a grant the promoted replica lacked
    expect(run.enteredUnreplicated).toBe(0);
    expect(run.over).toBe(0);
  });
});
