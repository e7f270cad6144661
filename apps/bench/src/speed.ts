import type { Backend, Model, Tensor } from '@rnnkit/core';
import { sgd, supervised, trainStep } from '@rnnkit/core';
import { runRecurrent } from '@rnnkit/core/backend';
import type { AnchorRun } from './anchors/onnxruntime.js';
import { onnxruntimeSpeed } from './anchors/onnxruntime.js';
import type { TfjsLayers } from './anchors/tfjs_layers.js';
import { checkTfjsLayers, tfjsLayersSpeed } from './anchors/tfjs_layers.js';
import type { BenchConfig, BenchShape, SpeedCell } from './config.js';
import { shapeLabel } from './config.js';
import type { Tools } from './discover.js';
import { withDeadline } from './guard.js';
import { firstLine } from './packages.js';
import type { Progress } from './progress.js';
import type { TimingOptions, TimingStats } from './timing.js';
import { measure } from './timing.js';
import type { Task, Workload } from './workload.js';
import { flops, lastStep, makeWorkload, maxAbsDiff, workloadModel } from './workload.js';

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
  /** Rounds of the speed section each figure is the median of (1: one run). */
  rounds?: number;
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

function row(
  w: Workload,
  series: Series,
  engine: string,
  kind: SpeedRow['kind'],
  task: Task,
  stats: TimingStats | undefined,
  extra: Partial<SpeedRow> = {},
): SpeedRow {
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

/** A speed point: one workload (series, cell, shape), run by every backend and anchor. */
export interface SpeedPoint {
  id: string;
  series: Series;
  cell: SpeedCell;
  shape: BenchShape;
  training: boolean;
}

export function speedPoints(cfg: BenchConfig): SpeedPoint[] {
  if (!cfg.speed.enabled) return [];
  const out: SpeedPoint[] = [];
  const add = (series: Series, cell: SpeedCell, shape: BenchShape, training: boolean) =>
    out.push({ id: `speed:${series}:${cell}:${shapeLabel(shape)}`, series, cell, shape, training });
  for (const cell of cfg.cells) for (const shape of cfg.shapes) add('standard', cell, shape, cfg.speed.training);
  const s = cfg.series;
  if (s) {
    for (const cell of s.cells.filter((c) => cfg.cells.includes(c))) {
      for (const T of s.T) add('T', cell, { ...s.base, T }, s.training && cfg.speed.training);
      for (const H of s.H) add('H', cell, { ...s.base, H }, s.training && cfg.speed.training);
    }
  }
  return out;
}

export function pointWhere(p: SpeedPoint): string {
  return `${p.cell} ${shapeLabel(p.shape)}${p.series === 'standard' ? '' : ` (${p.series} series)`}`;
}

export function timingOf(cfg: BenchConfig): TimingOptions {
  const { warmup, warmupMs, repeats, minMs, budgetMs } = cfg.speed;
  return { warmup, warmupMs, repeats, minMs, budgetMs };
}

/** A row for a point a backend did not run (skipped, or it crashed the backend's process). */
export function failedSpeedRow(cfg: BenchConfig, p: SpeedPoint, engine: string, failure: string): SpeedRow {
  return row(makeWorkload(p.cell, p.shape, cfg.seed), p.series, engine, 'backend', 'forward', undefined, { failure });
}

/** Forward and (when asked) training step of one point on one backend; `lastStep` is the forward output's last step [B, H]. */
export async function backendSpeed(cfg: BenchConfig, be: Backend, label: string, p: SpeedPoint): Promise<{ rows: SpeedRow[]; lastStep?: Float32Array }> {
  const w = makeWorkload(p.cell, p.shape, cfg.seed);
  const timing = timingOf(cfg);
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
    // The recurrent layer itself on an uploaded input (Model.forward adds only checks around it).
    const layerParams = new Map([...m.parameters()].map(([k, v]) => [k.replace(/^0\./, ''), v]));
    try {
      const stats = await withDeadline(
        measure(async () => {
          const r = runRecurrent(be, w.spec, layerParams, xt, { training: false });
          output = await be.read(r.output);
          for (const t of [r.output, r.hN, r.cN]) if (t) be.dispose(t);
        }, timing),
        deadlineMs(timing),
        `${label} forward`,
      );
      rows.push(row(w, p.series, label, 'backend', 'forward', stats));
    } catch (e) {
      rows.push(row(w, p.series, label, 'backend', 'forward', undefined, { failure: firstLine(e) }));
    }
    if (p.training) {
      try {
        const stats = await withDeadline(timeTraining(m, w, timing), deadlineMs(timing), `${label} training step`);
        rows.push(row(w, p.series, label, 'backend', 'train', stats));
      } catch (e) {
        rows.push(row(w, p.series, label, 'backend', 'train', undefined, { failure: firstLine(e) }));
      }
    }
  } catch (e) {
    rows.push(row(w, p.series, label, 'backend', 'forward', undefined, { failure: firstLine(e) }));
  } finally {
    model?.dispose();
    if (x) be.dispose(x);
  }
  return { rows, ...(output ? { lastStep: lastStep(output, w) } : {}) };
}

/** Last-step outputs by point id, then by engine, for the cross-engine check. */
export type LastSteps = Map<string, Map<string, Float32Array>>;

export function keepLastStep(all: LastSteps, pointId: string, engine: string, out: Float32Array | undefined): void {
  if (!out) return;
  let m = all.get(pointId);
  if (!m) all.set(pointId, (m = new Map()));
  m.set(engine, out);
}

export interface AnchorResults {
  rows: SpeedRow[];
  anchorChecks: AnchorCheck[];
}

/** onnxruntime-node and tfjs-layers on every point, same weights and inputs as the backends. */
export async function runAnchors(
  cfg: BenchConfig,
  tools: Tools,
  layers: TfjsLayers | undefined,
  lastSteps: LastSteps,
  progress: Progress,
): Promise<AnchorResults> {
  const ortOn = cfg.anchors.onnxruntime && !!tools.exportOnnx && !!tools.ort;
  const tflOn = cfg.anchors.tfjsLayers && !!layers;
  const timing = timingOf(cfg);
  const anchorChecks: AnchorCheck[] = [];
  const rows: SpeedRow[] = [];
  const pts = speedPoints(cfg);
  if (!pts.length || (!ortOn && !tflOn)) return { rows, anchorChecks };
  if (tflOn) {
    for (const cell of cfg.cells) {
      const label = cell === 'gru' ? 'gru (reset_after=false)' : cell;
      try {
        anchorChecks.push({ anchor: `tfjs-layers (${layers!.engine})`, cell: label, maxAbsError: await checkTfjsLayers(layers!, cell, cfg.seed) });
      } catch (e) {
        progress.note(`tfjs-layers check for ${cell} failed: ${firstLine(e)}`);
        anchorChecks.push({ anchor: `tfjs-layers (${layers!.engine})`, cell: label, maxAbsError: Infinity });
      }
    }
  }
  progress.phase('anchors', pts.length * ((ortOn ? 1 : 0) + (tflOn ? 1 : 0)));
  for (const p of pts) {
    const w = makeWorkload(p.cell, p.shape, cfg.seed);
    const add = (runs: AnchorRun[]) => {
      for (const r of runs) {
        rows.push(row(w, p.series, r.anchor, 'anchor', r.task, r.stats, { ...(r.failure ? { failure: r.failure } : {}), ...(r.note ? { note: r.note } : {}) }));
        if (!r.incomparable) keepLastStep(lastSteps, p.id, r.anchor, r.lastStep);
      }
    };
    if (ortOn) {
      progress.tick(`onnxruntime ${pointWhere(p)}`);
      add(await onnxruntimeSpeed(tools, w, cfg.anchors.onnxThreads, timing));
    }
    if (tflOn) {
      progress.tick(`tfjs-layers ${pointWhere(p)}`);
      add(await tfjsLayersSpeed(layers!, w, timing, p.training));
    }
  }
  return { rows, anchorChecks };
}

/**
 * Fills each forward row's cross-engine check: max |last-step output − the first engine's| on
 * the same point, the first engine being the first backend that ran it (else an anchor).
 */
export function crossCheck(rows: SpeedRow[], lastSteps: LastSteps, cfg: BenchConfig): void {
  const pts = new Map(speedPoints(cfg).map((p) => [`${p.series}|${p.cell}|${shapeLabel(p.shape)}`, p.id]));
  for (const r of rows) {
    if (r.task !== 'forward' || r.medianMs === undefined) continue;
    const outs = lastSteps.get(pts.get(`${r.series}|${r.cell}|${r.shapeLabel}`) ?? '');
    const mine = outs?.get(r.engine);
    if (!outs || !mine) continue;
    const first = [...outs.keys()][0];
    if (first === r.engine) continue;
    r.check = { against: first, maxAbsDiff: maxAbsDiff(mine, outs.get(first)!) };
  }
}

export function speedReport(cfg: BenchConfig, rows: SpeedRow[], anchorChecks: AnchorCheck[]): SpeedReport {
  return {
    trainingStep:
      "core's trainStep(supervised(model, 'mse'), batch, { optimizer: sgd({ lr: 0.001 }) }): upload of the host batch, forward, MSE loss, BPTT, gradient norm, SGD update, loss read back",
    flopsFormula: 'GEMM flops: forward 2·T·B·G·H·(D+H), G = 1 (rnn_tanh), 4 (lstm), 3 (gru); training step ≈ 3× forward',
    timing: timingOf(cfg),
    rounds: cfg.speed.rounds,
    rows,
    anchorChecks,
  };
}
