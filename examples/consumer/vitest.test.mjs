// docs: begin
import { expect, test } from 'vitest';
import { checkOperatorContract } from 'rxjs-concurrency/testing';
import { everyOther, everyOtherSwallowingErrors } from './everyOther.mjs';

test('everyOther keeps the Observable contract', () => {
  checkOperatorContract(() => everyOther(), { numRuns: 300 });
});

test('the buggy version is caught, with a marble counterexample', () => {
  expect(() => checkOperatorContract(() => everyOtherSwallowingErrors())).toThrow(/upstream errors reach the output[\s\S]*source: (cold|hot)\('/);
});
// docs: end
