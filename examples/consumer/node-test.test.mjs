// docs: begin
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkOperatorContract } from 'rxjs-concurrency/testing';
import { everyOther, everyOtherSwallowingErrors } from './everyOther.mjs';

test('everyOther keeps the Observable contract', () => {
  checkOperatorContract(() => everyOther(), { numRuns: 300 });
});

test('the buggy version is caught, with a marble counterexample', () => {
  assert.throws(() => checkOperatorContract(() => everyOtherSwallowingErrors()), /upstream errors reach the output[\s\S]*source: (cold|hot)\('/);
});
// docs: end
