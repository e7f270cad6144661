#!/usr/bin/env node
import { copyFileSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { BenchReport } from './report/json.js';
import { readJson } from './report/json.js';
import type { SectionOptions } from './report/markdown.js';
import { conformanceMarkdown, machineMarkdown, renderMarkdown, speedMarkdown, speedSummaryMarkdown, statusMarkdown } from './report/markdown.js';

/**
 * The result tables in the READMEs, generated from one committed bench run (`docs/bench.json`).
 * A README marks each generated block with a pair of HTML comments:
 *
 *     <!-- bench:speed-summary:start engines=cpu,cpu-fma,onnxruntime 1t -->
 *     …generated, never edited by hand…
 *     <!-- bench:speed-summary:end -->
 *
 * The name after `bench:` picks the section (`SECTIONS`); `engines=` (comma-separated names, as in
 * `engineName`) narrows a table to some engines. `pnpm docs:tables` rewrites every block;
 * `test/docs_tables.test.ts` fails when a committed README differs from what it would write.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The committed run every generated table is drawn from (relative to the repo root). */
export const BENCH_JSON = 'docs/bench.json';

/** The files with generated blocks (relative to the repo root). */
export const DOC_FILES = [
  'README.md',
  'apps/bench/README.md',
  'docs/guides/choosing-a-backend.md',
  'packages/backend-cpu/README.md',
  'packages/backend-tfjs/README.md',
  'packages/backend-webgpu/README.md',
] as const;

export const SECTIONS: Record<string, (r: BenchReport, o: SectionOptions) => string> = {
  /** Everything `bench.md` holds. */
  report: (r) => renderMarkdown(r).trimEnd(),
  machine: (r) => machineMarkdown(r),
  status: (r) => statusMarkdown(r),
  conformance: (r, o) => conformanceMarkdown(r, { ...o, heading: true }),
  speed: (r, o) => speedMarkdown(r, o),
  'speed-summary': (r, o) => speedSummaryMarkdown(r, o),
};

const BLOCK = /<!-- bench:([\w-]+):start(?: ([^\n]*?))? -->\n[\s\S]*?<!-- bench:([\w-]+):end -->/g;
const ANY_MARKER = /<!-- bench:([\w-]+):(start|end)\b/g;

function parseOptions(text: string | undefined, where: string): SectionOptions {
  const o: SectionOptions = {};
  if (!text) return o;
  const m = /^engines=(.+)$/.exec(text.trim());
  if (!m) throw new Error(`${where}: unknown marker options "${text}" (expected engines=a,b,…)`);
  o.engines = m[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return o;
}

/** `text` with every marked block regenerated from `report`. Throws on unknown sections and unpaired markers. */
export function fillMarkers(text: string, report: BenchReport, file = 'text'): string {
  const lineOf = (i: number) => text.slice(0, i).split('\n').length;
  let paired = 0;
  const out = text.replace(BLOCK, (whole, name: string, opts: string | undefined, endName: string, at: number) => {
    const where = `${file}:${lineOf(at)}`;
    if (name !== endName) throw new Error(`${where}: bench:${name}:start is closed by bench:${endName}:end`);
    const render = SECTIONS[name];
    if (!render) throw new Error(`${where}: unknown section bench:${name} (known: ${Object.keys(SECTIONS).join(', ')})`);
    paired += 2;
    const body = render(report, parseOptions(opts, where));
    if (!body) throw new Error(`${where}: bench:${name}: ${BENCH_JSON} has no data for this section`);
    const start = whole.slice(0, whole.indexOf('-->') + 3);
    return `${start}\n\n${body}\n\n<!-- bench:${name}:end -->`;
  });
  const markers = [...text.matchAll(ANY_MARKER)].length;
  if (markers !== paired) throw new Error(`${file}: ${markers - paired} bench marker(s) without a partner (each :start needs its :end on a later line)`);
  return out;
}

export interface DocUpdate {
  file: string;
  changed: boolean;
  blocks: number;
}

/** Regenerates every block of `DOC_FILES` from `BENCH_JSON`; with `write: false` only reports what would change. */
export function updateDocs(root = REPO_ROOT, opts: { write: boolean } = { write: true }): DocUpdate[] {
  const report = readJson(join(root, BENCH_JSON));
  return DOC_FILES.map((file) => {
    const path = join(root, file);
    const before = readFileSync(path, 'utf8');
    const after = fillMarkers(before, report, file);
    const changed = after !== before;
    if (changed && opts.write) writeFileSync(path, after);
    return { file, changed, blocks: [...before.matchAll(BLOCK)].length };
  });
}

export function main(argv: string[]): number {
  const p = new Command('docs-tables')
    .description(`Rewrite the generated result tables in the READMEs from ${BENCH_JSON}.`)
    .option('--from <bench.json>', `first copy a new run's bench.json (e.g. apps/bench/results/bench.json) to ${BENCH_JSON}`)
    .option('--check', 'write nothing; exit 1 when a README differs from what would be written')
    .parse(argv);
  const o = p.opts<{ from?: string; check?: boolean }>();
  if (o.from) {
    if (readJson(o.from).schema !== 'rnnkit.bench/1') throw new Error(`${o.from}: not a bench report (schema rnnkit.bench/1)`);
    copyFileSync(resolve(o.from), join(REPO_ROOT, BENCH_JSON));
  }
  const updates = updateDocs(REPO_ROOT, { write: !o.check });
  for (const u of updates) process.stdout.write(`${u.changed ? (o.check ? 'stale  ' : 'updated') : 'same   '} ${u.file} (${u.blocks} blocks)\n`);
  const stale = updates.filter((u) => u.changed);
  if (o.check && stale.length) {
    process.stderr.write(
      `docs-tables: ${stale.length} file(s) differ from ${relative(process.cwd(), join(REPO_ROOT, BENCH_JSON)) || BENCH_JSON}; run pnpm docs:tables\n`,
    );
    return 1;
  }
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) process.exit(main(process.argv));
