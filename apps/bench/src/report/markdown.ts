import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from '../machine.js';
import type { SpeedRow } from '../speed.js';
import { backendStatusText, fmtErr, fmtGflops, fmtMs, fmtRate, fmtTiming, groupSpeed, rowRemark } from './format.js';
import type { BenchReport } from './json.js';

/**
 * Markdown for a README's results section: machine, statuses, conformance, standard-shape speed.
 * `renderMarkdown` writes all of it (`bench.md`); the section functions below are the same pieces
 * one at a time, which `docs_tables.ts` puts between markers in the READMEs.
 */

export const MARKDOWN_FILE = 'bench.md';

/** Which engines a section shows: labels are matched on their name before ` (`, e.g. `cpu`, `onnxruntime 1t`, `tfjs-layers`. */
export interface SectionOptions {
  engines?: readonly string[];
}

/** `cpu (cpu-wasm-simd)` → `cpu`; `onnxruntime 1t` stays. */
export function engineName(label: string): string {
  const i = label.indexOf(' (');
  return i < 0 ? label : label.slice(0, i);
}

function shown(label: string, o: SectionOptions): boolean {
  return !o.engines || o.engines.includes(engineName(label));
}

function mdTable(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One line: the machine, the mode, how long the run took and its date. */
export function machineMarkdown(r: BenchReport): string {
  return `Machine: ${describeMachine(r.machine)}. ${r.mode} mode, ${r.durationS.toFixed(0)} s, ${r.startedAt.slice(0, 10)}.`;
}

/** Every backend's and tool's status. */
export function statusMarkdown(r: BenchReport): string {
  return mdTable(
    ['backend / tool', 'status'],
    [
      ...r.backends.map((b) => [b.name, `${b.available ? 'ok' : 'missing'}: ${backendStatusText(b, true)}`]),
      ...r.tools.map((s) => [s.name, s.available ? `ok${s.detail ? `: ${s.detail}` : ''}` : `missing: ${s.reason}`]),
    ],
  );
}

/** The conformance table; `heading` adds the sentence saying which cases and tolerances. Empty without conformance. */
export function conformanceMarkdown(r: BenchReport, o: SectionOptions & { heading?: boolean } = {}): string {
  const c = r.conformance;
  if (!c) return '';
  const rows = c.summary
    .filter((s) => shown(s.backend, o))
    .map((s) => [s.backend, `${s.passed}/${s.cases}${s.skipped ? ` (${s.skipped} skipped)` : ''}`, fmtErr(s.maxForwardError), fmtErr(s.maxGradError)]);
  if (c.onnx.summary && shown('onnxruntime', o))
    rows.push(['onnxruntime (exported)', `${c.onnx.summary.passed}/${c.onnx.summary.cases}`, fmtErr(c.onnx.summary.maxError), 'n/a']);
  const table = mdTable(['engine', 'passed', 'max forward err', 'max gradient err'], rows);
  if (!o.heading) return table;
  return `Conformance (${c.selection}; tolerances forward ${fmtErr(c.tolerances.forward)}, gradient ${fmtErr(c.tolerances.gradient)}):\n\n${table}`;
}

/** The standard-shape speed table with every figure (median [min–max], steps/s, GFLOPS, notes), under its explaining sentence. */
export function speedMarkdown(r: BenchReport, o: SectionOptions = {}): string {
  if (!r.speed) return '';
  const rows: string[][] = [];
  for (const g of groupSpeed(r.speed.rows, 'standard')) {
    for (const e of g.engines) {
      if (!shown(e.engine, o)) continue;
      rows.push([
        g.cell,
        g.shapeLabel,
        e.engine,
        fmtTiming(e.forward),
        fmtRate(e.forward?.stepsPerSec),
        fmtGflops(e.forward?.gflops),
        e.train ? fmtTiming(e.train) : '–',
        fmtGflops(e.train?.gflops),
        rowRemark(e),
      ]);
    }
  }
  const t = r.speed.timing;
  return [
    `Speed, median ms [min–max]${(r.speed.rounds ?? 1) > 1 ? ` (the median of ${r.speed.rounds} rounds' medians)` : ''} over ≥ ${t.repeats} runs and ≥ ${t.minMs ?? 0} ms, after ≥ ${t.warmup} warm-up runs and ≥ ${t.warmupMs ?? 0} ms (steps/s = T·B per second; ${r.speed.flopsFormula}):`,
    mdTable(['cell', 'D,H,T,B', 'engine', 'forward ms', 'steps/s', 'GFLOPS', 'train ms', 'GFLOPS', 'notes'], rows),
  ].join('\n\n');
}

/** Medians only: cell, shape, engine, forward ms, training-step ms. */
export function speedSummaryMarkdown(r: BenchReport, o: SectionOptions = {}): string {
  if (!r.speed) return '';
  const ms = (row: SpeedRow | undefined) => (row?.failure ? 'failed' : fmtMs(row?.medianMs));
  const rows: string[][] = [];
  for (const g of groupSpeed(r.speed.rows, 'standard')) {
    for (const e of g.engines) if (shown(e.engine, o)) rows.push([g.cell, g.shapeLabel, e.engine, ms(e.forward), ms(e.train)]);
  }
  return mdTable(['cell', 'D,H,T,B', 'engine', 'forward ms', 'train ms'], rows);
}

/** The whole summary: what `bench.md` holds. */
export function renderMarkdown(r: BenchReport): string {
  const out = [machineMarkdown(r), statusMarkdown(r), conformanceMarkdown(r, { heading: true }), speedMarkdown(r)].filter((s) => s !== '');
  return `${out.join('\n\n')}\n`;
}

export function writeMarkdown(r: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, MARKDOWN_FILE);
  writeFileSync(file, renderMarkdown(r));
  return file;
}
