import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from '../machine.js';
import { backendStatusText, fmtErr, fmtGflops, fmtRate, fmtTiming, groupSpeed, rowRemark } from './format.js';
import type { BenchReport } from './json.js';

/** A Markdown summary (for a README's results section): machine, conformance, standard-shape speed. */

export const MARKDOWN_FILE = 'bench.md';

function mdTable(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderMarkdown(r: BenchReport): string {
  const out = [`Machine: ${describeMachine(r.machine)}. ${r.mode} mode, ${r.durationS.toFixed(0)} s, ${r.startedAt.slice(0, 10)}.`];
  out.push(
    mdTable(
      ['backend / tool', 'status'],
      [...r.backends.map((b) => [b.name, `${b.available ? 'ok' : 'missing'}: ${backendStatusText(b, true)}`]), ...r.tools.map((s) => [s.name, s.available ? `ok${s.detail ? `: ${s.detail}` : ''}` : `missing: ${s.reason}`])],
    ),
  );
  const c = r.conformance;
  if (c) {
    const rows = c.summary.map((s) => [s.backend, `${s.passed}/${s.cases}${s.skipped ? ` (${s.skipped} skipped)` : ''}`, fmtErr(s.maxForwardError), fmtErr(s.maxGradError)]);
    if (c.onnx.summary) rows.push(['onnxruntime (exported)', `${c.onnx.summary.passed}/${c.onnx.summary.cases}`, fmtErr(c.onnx.summary.maxError), 'n/a']);
    out.push(`Conformance (${c.selection}; tolerances forward ${fmtErr(c.tolerances.forward)}, gradient ${fmtErr(c.tolerances.gradient)}):`, mdTable(['engine', 'passed', 'max forward err', 'max gradient err'], rows));
  }
  if (r.speed) {
    const rows: string[][] = [];
    for (const g of groupSpeed(r.speed.rows, 'standard')) {
      for (const e of g.engines) {
        rows.push([g.cell, g.shapeLabel, e.engine, fmtTiming(e.forward), fmtRate(e.forward?.stepsPerSec), fmtGflops(e.forward?.gflops), e.train ? fmtTiming(e.train) : '–', fmtGflops(e.train?.gflops), rowRemark(e)]);
      }
    }
    out.push(
      `Speed, median ms [min–max]${(r.speed.rounds ?? 1) > 1 ? ` (the median of ${r.speed.rounds} rounds' medians)` : ''} over ≥ ${r.speed.timing.repeats} runs and ≥ ${r.speed.timing.minMs ?? 0} ms, after ≥ ${r.speed.timing.warmup} warm-up runs and ≥ ${r.speed.timing.warmupMs ?? 0} ms (steps/s = T·B per second; ${r.speed.flopsFormula}):`,
      mdTable(['cell', 'D,H,T,B', 'engine', 'forward ms', 'steps/s', 'GFLOPS', 'train ms', 'GFLOPS', 'notes'], rows),
    );
  }
  return `${out.join('\n\n')}\n`;
}

export function writeMarkdown(r: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, MARKDOWN_FILE);
  writeFileSync(file, renderMarkdown(r));
  return file;
}
