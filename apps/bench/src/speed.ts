import type { Model, Tensor } from '@rnnkit/core';
import { sgd, supervised, trainStep } from '@rnnkit/core';
import type { AnchorRun } from './anchors/onnxruntime.js';
import { onnxruntimeSpeed } from './anchors/onnxruntime.js';
import type { TfjsLayers } from './anchors/tfjs_layers.js';
import { checkTfjsLayers, tfjsLayersSpeed } from './anchors/tfjs_layers.js';
import type { BenchConfig, BenchShape, SpeedCell } from './config.js';
import { shapeLabel } from './config.js';
import type { DiscoveredBackend, Tools } from './discover.js';
import { backendLabel } from './discover.js';
import { withDeadline } from './guard.js';
import { firstLine } from './packages.js';
import type { Progress } from './progress.js';
import type { TimingOptions, TimingStats } from './timing.js';
import { measure } from './timing.js';
import type { Task, Workload } from './workload.js';
import { flops, makeWorkload, maxAbsDiff, workloadModel } from './workload.js';

/**
 * Speed: inference and one training step (forward + BPTT + SGD update) of one recurrent layer,
 * per backend, cell and shape, with onnxruntime-node and tfjs-layers on the very same weights
 * as anchors. Every run reads its result back to the host, as a user would.
 */

export type Series = 'standard' | 'T' | 'H';

export interface SpeedRow {
  series: Series;
  cell: SpeedCell;
  shape: BenchShape;
  shapeLabel: string;
  /** Who ran it: a backend label (`cpu`, `tfjs (tfjs-wasm)`) or an anchor (`onnxruntime 1t`). */
  engine: string;
  kind: 'backend' | 'anchor';
  task: Task;
  flops: number;
  medianMs?: number;
  minMs?: number;
  maxMs?: number;
  repeats?: number;
  warmup?: number;
  /** T·B / median seconds. */
  stepsPerSec?: number;
  gflops?: number;
  /** Largest |this output − another engine's output| on the same weights and input. */
  check?: { against: string; maxAbsDiff: number };
  failure?: string;
  note?: string;
}

export interface AnchorCheck {
  anchor: string;
  cell: string;
  /** Max |tfjs-layers − float64 reference| on a small problem (D=5, H=7, T=6, B=3). */
  maxAbsError: number;
}

export interface SpeedReport {
  /** What one training step does. */
  trainingStep: string;
  flopsFormula: string;
  timing: TimingOptions;
  rows: SpeedRow[];
  anchorChecks: AnchorCheck[];
}

const LR = 1e-3;

/** One measurement (warm-up and repeats) that takes longer than this counts as a hang. */
function deadlineMs(t: TimingOptions): number {
  return Math.max(300_000, 3 * t.budgetMs);
}

/**
 * One training step with core's training package: `trainStep(supervised(model, 'mse'), batch,
 * { optimizer: sgd })` — forward, MSE loss, BPTT, gradient norm, SGD update on the backend,
 * loss read back. The batch is host data, so each step also uploads x and y, as `fit` does.
 */
async function timeTraining(model: Model, w: Workload, timing: TimingOptions): Promise<TimingStats> {
  const objective = supervised(model, 'mse');
  const optimizer = sgd({ lr: LR });
  const { B, T, D, H } = w.shape;
  const batch = { x: { data: w.x, shape: [B, T, D] }, y: { data: w.target, shape: [B, T, H] }, size: B };
  try {
    return await measure(async () => {
      await trainStep(objective, batch, { optimizer });
    }, timing);
  } finally {
    optimizer.dispose();
  }
}

function row(w: Workload, series: Series, engine: string, kind: SpeedRow['kind'], task: Task, stats: TimingStats | undefined, extra: Partial<SpeedRow> = {}): SpeedRow {
  const f = flops(w.cell, w.shape, task);
  const base: SpeedRow = { series, cell: w.cell, shape: w.shape, shapeLabel: shapeLabel(w.shape), engine, kind, task, flops: f, ...extra };
  if (!stats) return base;
  const s = stats.medianMs / 1000;
  return {
    ...base,
    medianMs: stats.medianMs,
    minMs: stats.minMs,
    maxMs: stats.maxMs,
    repeats: stats.repeats,
    warmup: stats.warmup,
    stepsPerSec: (w.shape.T * w.shape.B) / s,
    gflops: f / s / 1e9,
  };
}

async function backendRuns(
  b: DiscoveredBackend,
  w: Workload,
  series: Series,
  timing: TimingOptions,
  training: boolean,
  compare: { label: string; output: Float32Array } | undefined,
): Promise<{ rows: SpeedRow[]; output?: Float32Array }> {
  const be = b.backend!;
  const label = backendLabel(b.status);
  const { B, T, D } = w.shape;
  const rows: SpeedRow[] = [];
  let model: Model | undefined;
  let x: Tensor | undefined;
  let output: Float32Array | undefined;
  try {
    model = workloadModel(w).to(be);
    x = be.upload(w.x, [B, T, D]);
    const m = model;
    const xt = x;
    try {
      const stats = await withDeadline(
        measure(async () => {
          const pass = m.forward(xt);
          output = await be.read(pass.output);
          pass.dispose();
        }, timing),
        deadlineMs(timing),
        `${label} forward`,
      );
      const check = compare && output ? { check: { against: compare.label, maxAbsDiff: maxAbsDiff(output, compare.output) } } : {};
      rows.push(row(w, series, label, 'backend', 'forward', stats, check));
    } catch (e) {
      rows.push(row(w, series, label, 'backend', 'forward', undefined, { failure: firstLine(e) }));
    }
    if (training) {
      try {
        const stats = await withDeadline(timeTraining(m, w, timing), deadlineMs(timing), `${label} training step`);
        rows.push(row(w, series, label, 'backend', 'train', stats));
      } catch (e) {
        rows.push(row(w, series, label, 'backend', 'train', undefined, { failure: firstLine(e) }));
      }
    }
  } catch (e) {
    rows.push(row(w, series, label, 'backend', 'forward', undefined, { failure: firstLine(e) }));
  } finally {
    model?.dispose();
    if (x) be.dispose(x);
  }
  return { rows, ...(output ? { output } : {}) };
}

function anchorRows(w: Workload, series: Series, runs: AnchorRun[]): SpeedRow[] {
  return runs.map((r) =>
    row(w, series, r.anchor, 'anchor', r.task, r.stats, {
      ...(r.check ? { check: r.check } : {}),
      ...(r.failure ? { failure: r.failure } : {}),
      ...(r.note ? { note: r.note } : {}),
    }),
  );
}

interface Point {
  series: Series;
  cell: SpeedCell;
  shape: BenchShape;
  training: boolean;
}

function points(cfg: BenchConfig): Point[] {
  const out: Point[] = [];
  for (const cell of cfg.cells) for (const shape of cfg.shapes) out.push({ series: 'standard', cell, shape, training: cfg.speed.training });
  const s = cfg.series;
  if (s) {
    const cells = s.cells.filter((c) => cfg.cells.includes(c));
    for (const cell of cells) {
      for (const T of s.T) out.push({ series: 'T', cell, shape: { ...s.base, T }, training: s.training && cfg.speed.training });
      for (const H of s.H) out.push({ series: 'H', cell, shape: { ...s.base, H }, training: s.training && cfg.speed.training });
    }
  }
  return out;
}

export async function runSpeed(cfg: BenchConfig, backends: DiscoveredBackend[], tools: Tools, layers: TfjsLayers | undefined, progress: Progress): Promise<SpeedReport> {
  const live = backends.filter((b) => b.backend);
  const ortOn = cfg.anchors.onnxruntime && !!tools.exportOnnx && !!tools.ort;
  const tflOn = cfg.anchors.tfjsLayers && !!layers;
  const timing: TimingOptions = { warmup: cfg.speed.warmup, repeats: cfg.speed.repeats, budgetMs: cfg.speed.budgetMs };
  const anchorChecks: AnchorCheck[] = [];
  if (tflOn) {
    for (const cell of cfg.cells) {
      try {
        anchorChecks.push({ anchor: `tfjs-layers (${layers!.engine})`, cell: cell === 'gru' ? 'gru (reset_after=false)' : cell, maxAbsError: await checkTfjsLayers(layers!, cell, cfg.seed) });
      } catch (e) {
        progress.note(`tfjs-layers check for ${cell} failed: ${firstLine(e)}`);
        anchorChecks.push({ anchor: `tfjs-layers (${layers!.engine})`, cell, maxAbsError: Infinity });
      }
    }
  }
  const pts = points(cfg);
  const rows: SpeedRow[] = [];
  const stalled = new Map<string, string>();
  progress.phase('speed', pts.length * (live.length + (ortOn ? 1 : 0) + (tflOn ? 1 : 0)));
  for (const p of pts) {
    const w = makeWorkload(p.cell, p.shape, cfg.seed);
    const where = `${p.cell} ${shapeLabel(p.shape)}${p.series === 'standard' ? '' : ` (${p.series} series)`}`;
    let compare: { label: string; output: Float32Array } | undefined;
    for (const b of live) {
      const label = backendLabel(b.status);
      progress.tick(`${label} ${where}`);
      const why = stalled.get(label);
      if (why) {
        rows.push(row(w, p.series, label, 'backend', 'forward', undefined, { failure: `skipped: ${why}` }));
        continue;
      }
      const r = await backendRuns(b, w, p.series, timing, p.training, compare);
      const hung = r.rows.find((x) => x.failure?.includes('did not finish within'));
      if (hung) {
        stalled.set(label, `the backend hung earlier (${hung.failure})`);
        progress.note(`${label}: ${hung.failure}; skipping its remaining measurements`);
      }
      rows.push(...r.rows);
      if (!compare && r.output) compare = { label: backendLabel(b.status), output: r.output };
    }
    if (ortOn) {
      progress.tick(`onnxruntime ${where}`);
      rows.push(...anchorRows(w, p.series, await onnxruntimeSpeed(tools, w, cfg.anchors.onnxThreads, timing, compare)));
    }
    if (tflOn) {
      progress.tick(`tfjs-layers ${where}`);
      rows.push(...anchorRows(w, p.series, await tfjsLayersSpeed(layers!, w, timing, p.training, compare)));
    }
  }
  return {
    trainingStep: "core's trainStep(supervised(model, 'mse'), batch, { optimizer: sgd({ lr: 0.001 }) }): upload of the host batch, forward, MSE loss, BPTT, gradient norm, SGD update, loss read back",
    flopsFormula: 'GEMM flops: forward 2·T·B·G·H·(D+H), G = 1 (rnn_tanh), 4 (lstm), 3 (gru); training step ≈ 3× forward',
    timing,
    rows,
    anchorChecks,
  };
}
