// Runs vitest and ends with the plain summary line CI reads: "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

mkdirSync('.cache', { recursive: true });
// `npm test` runs the unit and integration projects on the embedded adapters; `npm run test:fleet` passes
// `--project fleet` (the suites against the real engines of `npm run fleet:up`) and gets its own results file
const args = process.argv.slice(2);
const fleet = args.includes('fleet');
const out = fleet ? '.cache/test-results-fleet.json' : '.cache/test-results.json';
const projects = args.includes('--project') ? [] : ['--project', 'unit', '--project', 'integration'];
const r = spawnSync('npx', ['vitest', 'run', ...projects, '--reporter=default', '--reporter=json', `--outputFile=${out}`, ...args], { stdio: 'inherit' });
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
