// Prints vitest's counts as `N passed, N failed`, added up over the runs of `npm test` (this
// machine's Node, then Node 24: scripts/test.sh), so a run that executed no test is visible. Exits
// non-zero when a report is missing, a run executed no test, or any test failed.
import { readFileSync } from 'node:fs';

const reports = ['vitest-report.json', 'vitest-report-node24.json'];
let passed = 0;
let failed = 0;
let missing = false;
for (const name of reports) {
  try {
    const report = JSON.parse(readFileSync(new URL(`../.tmp/${name}`, import.meta.url), 'utf8'));
    const ran = report.numPassedTests ?? 0;
    if (ran === 0) missing = true;
    passed += ran;
    failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  } catch {
    console.error(`test-counts: no vitest report at .tmp/${name}`);
    missing = true;
  }
}
console.log(`${passed} passed, ${failed} failed`);
if (missing || failed > 0) process.exit(1);
