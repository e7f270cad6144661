#!/usr/bin/env node
// Runs every package's vitest suite through turbo, then prints one summary line over all of
// them ("N passed, N failed, N skipped") from vitest's JSON reports. Exits with turbo's status.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const REPORT = '.vitest-report.json';
const dirs = ['packages', 'apps', 'tests']
  .flatMap((d) => (existsSync(join(root, d)) ? readdirSync(join(root, d)).map((p) => join(root, d, p)) : []))
  .concat(existsSync(join(root, 'examples')) ? [join(root, 'examples')] : []);
for (const d of dirs) rmSync(join(d, REPORT), { force: true });

const args = [
  'turbo',
  'run',
  'test',
  '--concurrency=1',
  '--continue',
  ...process.argv.slice(2),
  '--',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${REPORT}`,
];
const r = spawnSync('pnpm', ['exec', ...args], { cwd: root, stdio: 'inherit' });

let passed = 0,
  failed = 0,
  skipped = 0;
const rows = [];
for (const d of dirs) {
  const f = join(d, REPORT);
  if (!existsSync(f)) continue;
  const j = JSON.parse(readFileSync(f, 'utf8'));
  // A failed test counts once (vitest's numFailedTestSuites also counts every describe around
  // it); a test file that failed with no failed test in it (it crashed while loading) counts as one.
  const crashed = (j.testResults ?? []).filter((t) => t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  const pkgFailed = j.numFailedTests + crashed;
  const pkgSkipped = j.numPendingTests + (j.numTodoTests ?? 0);
  passed += j.numPassedTests;
  failed += pkgFailed;
  skipped += pkgSkipped;
  rows.push(
    `  ${d.slice(root.length)}: ${j.numPassedTests} passed, ${pkgFailed} failed${crashed ? ` (${crashed} file${crashed > 1 ? 's' : ''} crashed)` : ''}, ${pkgSkipped} skipped`,
  );
}
console.log(`\nTest summary by package:\n${rows.join('\n')}`);
const status = r.status ?? 1;
if (status !== 0 && failed === 0) failed = 1; // a suite that crashed before reporting still fails the run
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
