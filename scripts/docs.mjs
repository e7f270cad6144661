#!/usr/bin/env node
// `pnpm run docs` (plain `pnpm docs` is pnpm's built-in that opens a homepage): the API
// reference of every published package and entry point (TypeDoc, typedoc.json at the root
// plus one typedoc.json per package naming its entry points), written to docs/api/. It is
// also the check that every public export is documented: TypeDoc's validation (notDocumented,
// notExported, invalidLink) runs on every package, and
//
// - any TypeDoc warning that is not "X does not have any documentation" fails the run;
// - an undocumented reflection fails the run unless it is listed in docs/api-undocumented.txt,
//   the exports that were undocumented when the check was introduced. That list may only
//   shrink: document an entry and `--update-baseline` drops it; nothing new may be added
//   except by hand, in review.
//
//   node scripts/docs.mjs                    build docs/api, check (CI runs this)
//   node scripts/docs.mjs --check            check only (emit nothing)
//   node scripts/docs.mjs --update-baseline  rewrite the list from this run, keeping only entries
//                                            still undocumented (never adds any)
//   node scripts/docs.mjs --options <file>   another TypeDoc options file (the check's own test)
//   node scripts/docs.mjs --baseline <file>  another list
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? resolve(args[i + 1]) : fallback;
};
const options = value('--options', join(root, 'typedoc.json'));
const baselinePath = value('--baseline', join(root, 'docs', 'api-undocumented.txt'));

/** Terminal colour codes, in case TypeDoc colours its output anyway. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const typedoc = join(root, 'node_modules', '.bin', 'typedoc');
const run = spawnSync(typedoc, ['--options', options, '--treatWarningsAsErrors', 'false', ...(flag('--check') ? ['--emit', 'none'] : [])], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  maxBuffer: 64 * 1024 * 1024,
});
const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.replace(ANSI, '');
if (run.status !== 0) {
  process.stderr.write(output);
  console.error(`docs: TypeDoc failed (exit ${run.status})`);
  process.exit(1);
}

// "[warning] index.FitOptions.epochs (Property), defined in @rnnkit/core/src/train/fit.ts, does not have any documentation"
const UNDOCUMENTED = /^\[warning\] (.+?) \((\w+)\), defined in (\S+), does not have any documentation$/;
/** The package a file belongs to (`@rnnkit/core/src/…` → `@rnnkit/core`), else the file. */
const owner = (file) => /^@[\w-]+\/[\w-]+/.exec(file)?.[0] ?? file;
const undocumented = new Set();
const otherWarnings = [];
for (const line of output.split('\n')) {
  if (!line.includes('[warning]')) continue;
  const m = UNDOCUMENTED.exec(line.trim());
  if (m) undocumented.add(`${owner(m[3])}: ${m[1]} (${m[2]})`);
  else if (!/^\[warning\] Found \d+ errors and \d+ warnings$/.test(line.trim())) otherWarnings.push(line.trim());
}

const readBaseline = () =>
  existsSync(baselinePath)
    ? readFileSync(baselinePath, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
const baseline = new Set(readBaseline());
const fresh = [...undocumented].filter((k) => !baseline.has(k)).sort();
const nowDocumented = [...baseline].filter((k) => !undocumented.has(k));

if (flag('--update-baseline')) {
  const header = readFileSync(baselinePath, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('#'));
  const kept = [...baseline].filter((k) => undocumented.has(k)).sort();
  writeFileSync(baselinePath, `${[...header, ...kept].join('\n')}\n`);
  console.log(`docs: ${baselinePath}: ${kept.length} entries kept, ${nowDocumented.length} dropped (documented now)`);
}

let failed = false;
if (otherWarnings.length > 0) {
  failed = true;
  console.error(`docs: ${otherWarnings.length} TypeDoc warning(s):\n  ${otherWarnings.join('\n  ')}`);
}
if (fresh.length > 0) {
  failed = true;
  console.error(
    `docs: ${fresh.length} public export(s) without a doc comment (say what it is, its shapes, units, defaults and the errors it raises):\n  ${fresh.join('\n  ')}`,
  );
}
if (nowDocumented.length > 0 && !flag('--update-baseline')) {
  console.log(`docs: ${nowDocumented.length} entries of ${baselinePath} are documented now: run \`node scripts/docs.mjs --update-baseline\` to drop them`);
}
if (failed) process.exit(1);
console.log(
  `docs: every public export is documented (${undocumented.size} older gaps listed in docs/api-undocumented.txt)${flag('--check') ? '' : '; the reference is in docs/api/'}`,
);
