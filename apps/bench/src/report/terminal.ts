import Table from 'cli-table3';
import { describeMachine } from '../machine.js';
import { backendStatusText, fmtErr, fmtGflops, fmtMs, fmtRate, fmtTiming, groupSpeed, rowRemark } from './format.js';
import type { BenchReport } from './json.js';

/** The terminal report: tables with cli-table3, printed after the progress display closes. */

const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
/** No lines between body rows; colour only on a terminal. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
const head = (cells: string[]) => ({ head: cells, chars: COMPACT, style: color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] } });

export function backendsTable(r: BenchReport): string {
  const t = new Table(head(['backend / tool', 'version', 'status', 'engine or reason']));
  for (const b of r.backends) t.push([b.name, b.version ?? '–', b.available ? 'ok' : 'missing', backendStatusText(b)]);
  for (const s of r.tools) t.push([s.name, s.version ?? '–', s.available ? 'ok' : 'missing', s.available ? (s.detail ?? '') : (s.reason ?? '')]);
  return t.toString();
}

export function conformanceTable(r: BenchReport): string {
  const c = r.conformance;
  if (!c) return '';
  const t = new Table(head(['engine', 'passed', 'max forward err', 'max gradient err', 'worst case']));
  for (const s of c.summary)
    t.push([s.backend, `${s.passed}/${s.cases}${s.skipped ? ` (${s.skipped} skipped)` : ''}`, fmtErr(s.maxForwardError), fmtErr(s.maxGradError), s.worstCase]);
  if (c.onnx.summary)
    t.push([
      'onnxruntime (exported)',
      `${c.onnx.summary.passed}/${c.onnx.summary.cases}`,
      fmtErr(c.onnx.summary.maxError),
      'n/a (inference)',
      c.onnx.summary.worstCase,
    ]);
  else t.push(['onnxruntime (exported)', '–', '–', '–', `not run: ${c.onnx.reason ?? 'unknown'}`]);
  const lines = [
    `Conformance: ${c.rows.length ? (c.summary[0]?.cases ?? 0) : 0} of ${c.totalCases} cases (${c.selection}).`,
    `Error = ${c.tolerances.metric}; pass: forward ≤ ${fmtErr(c.tolerances.forward)}, gradient ≤ ${fmtErr(c.tolerances.gradient)}, no leaked tensors.`,
    t.toString(),
  ];
  const failed = [
    ...c.rows.filter((x) => !x.pass && !x.skipped),
    ...c.onnx.rows.filter((x) => !x.pass).map((x) => ({ ...x, backend: 'onnxruntime', forwardError: x.error, gradError: undefined, error: x.failure })),
  ];
  if (failed.length) {
    const f = new Table(head(['engine', 'failing case', 'forward', 'gradient', 'why']));
    for (const x of failed.slice(0, 20)) {
      const why = 'error' in x && x.error ? x.error : 'leakedTensors' in x && x.leakedTensors ? `${x.leakedTensors} leaked tensors` : 'over tolerance';
      f.push([x.backend, x.case, fmtErr(x.forwardError), fmtErr(x.gradError), why]);
    }
    lines.push(`${failed.length} failing:`, f.toString());
  }
  return lines.join('\n');
}

export function speedTable(r: BenchReport, series: 'standard' | 'T' | 'H' = 'standard'): string {
  const s = r.speed;
  if (!s) return '';
  const groups = groupSpeed(s.rows, series);
  if (!groups.length) return '';
  const t = new Table(head(['cell', 'D,H,T,B', 'engine', 'forward ms [min–max]', 'steps/s', 'GFLOPS', 'train ms [min–max]', 'steps/s', 'GFLOPS', 'notes']));
  for (const g of groups) {
    g.engines.forEach((e, i) => {
      t.push([
        i === 0 ? g.cell : '',
        i === 0 ? g.shapeLabel : '',
        e.engine,
        fmtTiming(e.forward),
        fmtRate(e.forward?.stepsPerSec),
        fmtGflops(e.forward?.gflops),
        e.train ? fmtTiming(e.train) : '–',
        fmtRate(e.train?.stepsPerSec),
        fmtGflops(e.train?.gflops),
        rowRemark(e),
      ]);
    });
  }
  const title = series === 'standard' ? 'Speed (standard shapes)' : `Scaling over ${series}`;
  return `${title}: ${(s.rounds ?? 1) > 1 ? `median of ${s.rounds} rounds' medians, each ` : ''}median over ≥ ${s.timing.repeats} runs and ≥ ${s.timing.minMs ?? 0} ms after ≥ ${s.timing.warmup} warm-up runs and ≥ ${s.timing.warmupMs ?? 0} ms (fewer when a run exceeds the ${fmtMs(s.timing.budgetMs)} ms budget). ${s.flopsFormula}.\n${t.toString()}`;
}

export function renderTerminal(r: BenchReport): string {
  const out = [`rnnkit bench — ${r.mode} mode, ${r.durationS.toFixed(0)} s`, `Machine: ${describeMachine(r.machine)}`, backendsTable(r)];
  const conf = conformanceTable(r);
  if (conf) out.push(conf);
  for (const series of ['standard', 'T', 'H'] as const) {
    const t = speedTable(r, series);
    if (t) out.push(t);
  }
  if (r.speed?.anchorChecks.length) {
    out.push(
      `tfjs-layers conversion check (max |tfjs-layers − float64 reference|, D=5 H=7 T=6 B=3): ${r.speed.anchorChecks.map((a) => `${a.cell} ${fmtErr(a.maxAbsError)}`).join(', ')}`,
    );
  }
  return out.join('\n\n');
}
