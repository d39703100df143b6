// Runs vitest and ends with the plain summary line CI reads: "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

mkdirSync('.cache', { recursive: true });
const out = '.cache/test-results.json';
const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${out}`, ...process.argv.slice(2)], { stdio: 'inherit' });
let summary = 'tests: 0 passed, 1 failed';
try {
  const j = JSON.parse(readFileSync(out, 'utf8'));
  const skipped = j.numPendingTests + j.numTodoTests;
  summary = `tests: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`;
} catch {
  // vitest died before writing results: report a failure
}
console.log(summary);
process.exit(r.status ?? 1);
