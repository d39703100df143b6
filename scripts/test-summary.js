// Sums the results files of the test runs given (vitest's JSON reporter) into the one summary line
// CI reads: "tests: N passed, N failed, N skipped". A missing file counts as a failed run.
import { readFileSync } from 'node:fs';

let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(2)) {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    skipped += j.numPendingTests + j.numTodoTests;
  } catch {
    console.error(`${file}: no test results (the run died before writing them)`);
    failed += 1;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
