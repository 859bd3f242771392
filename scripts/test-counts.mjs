// Prints vitest's counts from its JSON report as `N passed, N failed`, so a run that executed no
// test is visible. Exits non-zero when the report is missing or no test ran.
import { readFileSync } from 'node:fs';

const file = new URL('../.tmp/vitest-report.json', import.meta.url);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('0 passed, 0 failed');
  console.error('test-counts: no vitest report at .tmp/vitest-report.json');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
console.log(`${passed} passed, ${failed} failed`);
if (passed === 0 || failed > 0) process.exit(1);
