#!/usr/bin/env node
// gpu-run.sh's last step: adds the PyTorch anchor's rows (torch_anchor.json) to bench.json as
// anchor rows of the standard series, so the bench's own renderers show them beside webgpu,
// and writes gpu-summary.md: per cell, shape and task, webgpu's median, its dispatches and
// submits, the other engines' medians, and webgpu's time over PyTorch's (the issue's targets:
// within 10× of cuDNN at B ≥ 32, within 20× at B = 1).
//
//   node gpu-summary.mjs <out dir>
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: gpu-summary.mjs <out dir holding bench.json and torch_anchor.json>');
  process.exit(2);
}
const benchFile = join(dir, 'bench.json');
const bench = JSON.parse(readFileSync(benchFile, 'utf8'));
const anchorFile = join(dir, 'torch_anchor.json');
const anchor = existsSync(anchorFile) ? JSON.parse(readFileSync(anchorFile, 'utf8')) : { rows: [], skipped: 'torch_anchor.json missing' };
const gates = { rnn_tanh: 1, lstm: 4, gru: 3 };
const label = (s) => `${s.D},${s.H},${s.T},${s.B}`;
const flops = (cell, s, task) => {
  const f = 2 * s.T * s.B * gates[cell] * s.H * (s.D + s.H);
  return task === 'forward' ? f : 3 * f;
};

if (bench.speed) {
  bench.speed.rows = bench.speed.rows.filter((r) => !r.engine.startsWith('pytorch'));
  for (const r of anchor.rows) {
    const f = flops(r.cell, r.shape, r.task);
    bench.speed.rows.push({
      series: 'standard',
      cell: r.cell,
      shape: r.shape,
      shapeLabel: label(r.shape),
      engine: r.engine,
      kind: 'anchor',
      task: r.task,
      flops: f,
      medianMs: r.medianMs,
      minMs: r.minMs,
      maxMs: r.maxMs,
      repeats: r.repeats,
      warmup: r.warmup,
      stepsPerSec: (r.shape.T * r.shape.B) / (r.medianMs / 1000),
      gflops: f / (r.medianMs / 1000) / 1e9,
      note: `PyTorch anchor on ${anchor.device}`,
    });
  }
  writeFileSync(benchFile, `${JSON.stringify(bench, null, 2)}\n`);
}

const rows = bench.speed?.rows ?? [];
const key = (r) => `${r.cell}|${r.shapeLabel}|${r.task}`;
const groups = new Map();
for (const r of rows.filter((r) => r.series === 'standard')) {
  const k = key(r);
  if (!groups.has(k)) groups.set(k, []);
  groups.get(k).push(r);
}
const fmt = (v) => (v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const webgpu = bench.backends?.find((b) => b.name === 'webgpu');
const lines = [
  `# GPU run: ${bench.startedAt}`,
  '',
  `Machine: ${bench.machine?.hostname ?? ''}, ${bench.machine?.cpuModel ?? ''}, ${bench.machine?.cores ?? '?'} cores; webgpu adapter: ${webgpu?.engine ?? webgpu?.reason ?? 'unknown'}`,
  `PyTorch anchor: ${anchor.skipped ?? `${anchor.device}, torch ${anchor.torch}`}`,
  '',
  '| cell | D,H,T,B | task | webgpu ms | webgpu dispatches, submits (path) | other engines ms | PyTorch ms | webgpu ÷ PyTorch |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const [, rs] of groups) {
  const w = rs.find((r) => r.engine.startsWith('webgpu'));
  const t = rs.find((r) => r.engine.startsWith('pytorch'));
  const others = rs.filter((r) => r !== w && r !== t && r.medianMs !== undefined).map((r) => `${r.engine} ${fmt(r.medianMs)}`);
  const r0 = rs[0];
  const work = w?.work ? `${w.work.dispatches}, ${w.work.submits}${w.work.recurrentPath ? ` (${w.work.recurrentPath})` : ''}` : '–';
  const ratio = w?.medianMs && t?.medianMs ? `${(w.medianMs / t.medianMs).toFixed(1)}×` : '–';
  lines.push(
    `| ${r0.cell} | ${r0.shapeLabel} | ${r0.task} | ${w?.failure ? `failed: ${w.failure}` : fmt(w?.medianMs)} | ${work} | ${others.join('; ') || '–'} | ${fmt(t?.medianMs)} | ${ratio} |`,
  );
}
const conf = bench.conformance;
if (conf) {
  const mine = (conf.rows ?? []).filter((r) => String(r.backend).startsWith('webgpu') && !r.skipped);
  const failed = mine.filter((r) => !r.pass);
  lines.push(
    '',
    `Conformance on webgpu (${conf.selection}): ${mine.length - failed.length}/${mine.length} run cases passed${failed.length ? `; failed: ${failed.map((r) => r.case).join(', ')}` : ''}.`,
  );
}
writeFileSync(join(dir, 'gpu-summary.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
