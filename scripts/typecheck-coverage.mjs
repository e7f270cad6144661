#!/usr/bin/env node
// Fails when a tracked TypeScript file is in no project that `pnpm typecheck` checks: every
// workspace package's tsconfig.json (its `typecheck` script) and the root tsconfig.json (config
// files and scripts). A new folder of tests or a new config file is then added to a tsconfig, not
// silently left unchecked. AssemblyScript sources are checked by the AssemblyScript compiler instead.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const ASSEMBLYSCRIPT = [/^packages\/backend-cpu\/assembly\//, /\.as\.ts$/];

const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '*.ts', '*.mts', '*.cts', '*.tsx'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\0')
  .filter((f) => f && !f.endsWith('.d.ts') && existsSync(join(root, f)) && !ASSEMBLYSCRIPT.some((re) => re.test(f)));

const packageDirs = execFileSync('pnpm', ['ls', '-r', '--depth', '-1', '--json'], { cwd: root, encoding: 'utf8' });
const projects = [];
const problems = [];
for (const { path } of JSON.parse(packageDirs)) {
  const config = join(path, 'tsconfig.json');
  if (!existsSync(config)) continue;
  const rel = relative(root, path) || '.';
  const scripts = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')).scripts ?? {};
  if (!/tsc -p tsconfig\.json/.test(scripts.typecheck ?? ''))
    problems.push(`${rel}/package.json: has a tsconfig.json but no "typecheck" script running tsc -p tsconfig.json`);
  projects.push(config);
}

const covered = new Set();
for (const config of projects) {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    config,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => problems.push(ts.flattenDiagnosticMessageText(d.messageText, '\n')) },
  );
  for (const f of parsed?.fileNames ?? []) covered.add(relative(root, f));
}
for (const f of tracked) if (!covered.has(f)) problems.push(`${f}: in no type-checked tsconfig.json`);

if (problems.length) {
  console.error(`typecheck-coverage: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`typecheck-coverage: all ${tracked.length} TypeScript files are in ${projects.length} type-checked projects`);
