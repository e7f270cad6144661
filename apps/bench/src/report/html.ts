import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { describeMachine } from '../machine.js';
import { MAX_SAMPLES } from '../timing.js';
import { conformanceChart, renderSvg, seriesChart, speedChart } from './charts.js';
import { backendStatusText, fmtErr, fmtGflops, fmtRate, fmtTiming, groupSpeed, rowRemark } from './format.js';
import type { BenchReport } from './json.js';

/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no network) with
 * the same tables as the terminal and charts rendered server-side.
 */

export const HTML_FILE = 'bench.html';
const MAX_FAILING = 25;

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function table(headers: string[], rows: (string | number)[][]): string {
  const th = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

async function figure(spec: TopLevelSpec | undefined, caption: string): Promise<string> {
  if (!spec) return '';
  try {
    return `<figure>${await renderSvg(spec)}<figcaption>${esc(caption)}</figcaption></figure>`;
  } catch (e) {
    return `<p class="warn">chart "${esc(caption)}" could not be drawn: ${esc(e instanceof Error ? e.message : e)}</p>`;
  }
}

function statusSection(r: BenchReport): string {
  const rows = [
    ...r.backends.map((b) => [b.name, b.version ?? '–', b.available ? 'ok' : 'missing', backendStatusText(b)]),
    ...r.tools.map((s) => [s.name, s.version ?? '–', s.available ? 'ok' : 'missing', s.available ? (s.detail ?? '') : (s.reason ?? '')]),
  ];
  return `<h2>Backends and anchors</h2>${table(['backend / tool', 'version', 'status', 'engine or reason'], rows)}`;
}

async function conformanceSection(r: BenchReport): Promise<string> {
  const c = r.conformance;
  if (!c) return '';
  const rows: (string | number)[][] = c.summary.map((s) => [
    s.backend,
    `${s.passed}/${s.cases}${s.skipped ? ` (${s.skipped} skipped)` : ''}`,
    fmtErr(s.maxForwardError),
    fmtErr(s.maxGradError),
    s.worstCase,
  ]);
  rows.push(
    c.onnx.summary
      ? ['onnxruntime (exported)', `${c.onnx.summary.passed}/${c.onnx.summary.cases}`, fmtErr(c.onnx.summary.maxError), 'n/a', c.onnx.summary.worstCase]
      : ['onnxruntime (exported)', '–', '–', '–', `not run: ${c.onnx.reason ?? ''}`],
  );
  const failing = [
    ...c.rows
      .filter((x) => !x.pass && !x.skipped)
      .map((x) => [
        x.backend,
        x.case,
        fmtErr(x.forwardError),
        fmtErr(x.gradError),
        x.error ?? (x.leakedTensors ? `${x.leakedTensors} leaked tensors` : 'over tolerance'),
      ]),
    ...c.onnx.rows.filter((x) => !x.pass).map((x) => ['onnxruntime', x.case, fmtErr(x.error), '–', x.failure ?? 'over tolerance']),
  ];
  return [
    '<h2>Conformance</h2>',
    `<p>${esc(`${c.summary[0]?.cases ?? c.onnx.rows.length} of ${c.totalCases} cases: ${c.selection}. Error = ${c.tolerances.metric}; a case passes with forward ≤ ${fmtErr(c.tolerances.forward)}, gradient ≤ ${fmtErr(c.tolerances.gradient)} and no leaked tensors. Gradients are compared with central differences of the float64 reference; ONNX exports run in onnxruntime-node and are compared on output, h_n and c_n.`)}</p>`,
    table(['engine', 'passed', 'max forward error', 'max gradient error', 'worst case'], rows),
    await figure(conformanceChart(c), 'Largest error per cell variant and engine; the number is the error, the colour its ratio to the tolerance.'),
    failing.length
      ? `<h3>Failing cases (${failing.length})</h3>${table(['engine', 'case', 'forward', 'gradient', 'why'], failing.slice(0, MAX_FAILING))}${failing.length > MAX_FAILING ? `<p>… and ${failing.length - MAX_FAILING} more: every row is in bench.json.</p>` : ''}`
      : '<p class="ok">Every case that ran passed.</p>',
  ].join('\n');
}

function speedTableHtml(r: BenchReport, series: 'standard' | 'T' | 'H'): string {
  const groups = groupSpeed(r.speed!.rows, series);
  const rows: string[][] = [];
  for (const g of groups) {
    g.engines.forEach((e, i) => {
      rows.push([
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
  return table(['cell', 'D,H,T,B', 'engine', 'forward ms [min–max]', 'steps/s', 'GFLOPS', 'train ms [min–max]', 'steps/s', 'GFLOPS', 'notes'], rows);
}

async function speedSection(r: BenchReport): Promise<string> {
  const s = r.speed;
  if (!s) return '';
  const hasTrain = s.rows.some((x) => x.task === 'train' && x.series === 'standard');
  const parts = [
    '<h2>Speed</h2>',
    `<p>${esc(`${(s.rounds ?? 1) > 1 ? `The median of ${s.rounds} rounds' medians (each round runs every backend's process, then the anchors), each a median` : 'Median'} over at least ${s.timing.repeats} timed runs (and at least ${s.timing.minMs ?? 0} ms of them, up to ${MAX_SAMPLES} runs) after at least ${s.timing.warmup} warm-up run(s) and ${s.timing.warmupMs ?? 0} ms of warm-up, with min and max; a measurement stops repeating once it has used ${s.timing.budgetMs} ms. Steps/s = T·B per second. ${s.flopsFormula}. Training step: ${s.trainingStep}. Anchors run the same weights and input: onnxruntime-node on the exported model (intra-op threads as named), tfjs-layers with predict and trainOnBatch (SGD, MSE).`)}</p>`,
    speedTableHtml(r, 'standard'),
    await figure(speedChart(s.rows, 'forward'), 'Inference GFLOPS by engine and shape.'),
    hasTrain ? await figure(speedChart(s.rows, 'train'), 'Training-step GFLOPS by engine and shape.') : '',
  ];
  for (const series of ['T', 'H'] as const) {
    if (!s.rows.some((x) => x.series === series)) continue;
    parts.push(`<h3>Scaling over ${series}</h3>`, speedTableHtml(r, series));
    parts.push(await figure(seriesChart(s.rows, series, 'forward'), `Inference time against ${series} (log–log).`));
    if (s.rows.some((x) => x.series === series && x.task === 'train'))
      parts.push(await figure(seriesChart(s.rows, series, 'train'), `Training-step time against ${series} (log–log).`));
  }
  if (s.anchorChecks.length) {
    parts.push(
      '<h3>Anchor conversion check</h3>',
      `<p>tfjs-layers run on weights converted from rnnkit's (PyTorch) layout; max |tfjs-layers − float64 reference| on D=5, H=7, T=6, B=3:</p>`,
      table(
        ['anchor', 'cell', 'max abs error'],
        s.anchorChecks.map((a) => [a.anchor, a.cell, fmtErr(a.maxAbsError)]),
      ),
    );
  }
  return parts.join('\n');
}

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1400px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f6f8; } tbody tr:nth-child(even) { background: #fafafa; }
td:nth-child(n+4) { font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; overflow-x: auto; } figcaption { color: #555; font-size: 12px; }
.meta { color: #444; } .ok { color: #1a7f37; } .warn { color: #b35900; }
`;

export async function renderHtml(r: BenchReport): Promise<string> {
  const versions = Object.entries(r.versions)
    .map(([k, v]) => `${k} ${v ?? '(not installed)'}`)
    .join(', ');
  const body = [
    `<h1>rnnkit bench</h1>`,
    `<p class="meta">${esc(`${r.mode} mode · ${r.startedAt} · ${r.durationS.toFixed(0)} s`)}<br>${esc(`Machine: ${describeMachine(r.machine)}`)}<br>${esc(`Versions: ${versions}`)}</p>`,
    statusSection(r),
    await conformanceSection(r),
    await speedSection(r),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rnnkit bench — ${esc(r.mode)} — ${esc(r.startedAt)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export async function writeHtml(r: BenchReport, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, HTML_FILE);
  writeFileSync(file, await renderHtml(r));
  return file;
}
