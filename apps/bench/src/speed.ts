import type { Backend, Model, Tensor } from '@rnnkit/core';
import { gateCount, sgd, supervised, trainStep } from '@rnnkit/core';
import type { QuantizedTensor } from '@rnnkit/core/backend';
import { quantizeRows, runRecurrent } from '@rnnkit/core/backend';
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
  /**
   * Work one run sent to the device (webgpu rows): compute dispatches and command-buffer
   * submits (readbacks included), counted over one extra run after the timing, and the
   * recurrent path of its last fused recurrent call (`sequence`: one dispatch per layer
   * direction; `step`: one per time step).
   */
  work?: DeviceWork;
}

export interface DeviceWork {
  dispatches: number;
  submits: number;
  recurrentPath?: string;
}

/** The webgpu backend's counters (`WebgpuBackend.counters()`), found by shape so other backends need nothing. */
interface CountingBackend {
  counters(): { dispatches: number; submits: number; lastRecurrent?: { path: string } };
}

function countsOf(be: Backend): CountingBackend | undefined {
  const c = be as unknown as Partial<CountingBackend>;
  return typeof c.counters === 'function' ? (c as CountingBackend) : undefined;
}

/** Runs `once` and returns the dispatches and submits it made, on a backend that counts them. */
async function countWork(be: Backend, once: () => Promise<void>): Promise<DeviceWork | undefined> {
  const c = countsOf(be);
  if (!c) return undefined;
  const before = c.counters();
  await once();
  const after = c.counters();
  const path = after.lastRecurrent?.path;
  return { dispatches: after.dispatches - before.dispatches, submits: after.submits - before.submits, ...(path ? { recurrentPath: path } : {}) };
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
async function timeTraining(model: Model, w: Workload, timing: TimingOptions, be: Backend): Promise<{ stats: TimingStats; work?: DeviceWork }> {
  const objective = supervised(model, 'mse');
  const optimizer = sgd({ lr: LR });
  const { B, T, D, H } = w.shape;
  const batch = { x: { data: w.x, shape: [B, T, D] }, y: { data: w.target, shape: [B, T, H] }, size: B };
  try {
    const step = async () => {
      await trainStep(objective, batch, { optimizer });
    };
    const stats = await measure(step, timing);
    const work = await countWork(be, step);
    return { stats, ...(work ? { work } : {}) };
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
      const forward = async () => {
        const r = runRecurrent(be, w.spec, layerParams, xt, { training: false });
        output = await be.read(r.output);
        for (const t of [r.output, r.hN, r.cN]) if (t) be.dispose(t);
      };
      const stats = await withDeadline(measure(forward, timing), deadlineMs(timing), `${label} forward`);
      const work = await countWork(be, forward);
      rows.push(row(w, p.series, label, 'backend', 'forward', stats, work ? { work } : {}));
    } catch (e) {
      rows.push(row(w, p.series, label, 'backend', 'forward', undefined, { failure: firstLine(e) }));
    }
    if (cfg.speed.int8 && be.info().quantized === 'native') {
      const r = await timeInt8(be, w, xt, timing, label);
      rows.push(
        row(w, p.series, `${label} int8`, 'backend', 'forward', r.stats, {
          ...(r.failure ? { failure: r.failure } : {}),
          ...(r.output && output ? { check: { against: label, maxAbsDiff: maxAbsDiff(lastStep(r.output, w), lastStep(output, w)) } } : {}),
          note: int8SizeNote(w),
        }),
      );
    }
    if (p.training) {
      try {
        const t = await withDeadline(timeTraining(m, w, timing, be), deadlineMs(timing), `${label} training step`);
        rows.push(row(w, p.series, label, 'backend', 'train', t.stats, t.work ? { work: t.work } : {}));
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

/**
 * Int8 inference of the workload's layer: W_ih and W_hh quantized once by core's `quantizeRows`
 * (per output row, symmetric) and uploaded, as a quantized model's `to(backend)` would; each run
 * is one `quantizedRecurrentForward` on the uploaded (batch-first) input with the output read
 * back, the same as the float32 forward row beside it.
 */
async function timeInt8(
  be: Backend,
  w: Workload,
  x: Tensor,
  timing: TimingOptions,
  label: string,
): Promise<{ stats?: TimingStats; output?: Float32Array; failure?: string }> {
  const { B, D, H } = w.shape;
  const G = gateCount(w.cell);
  const param = (name: string) => w.params.get(`0.${name}_l0`)!;
  const handles: QuantizedTensor[] = [];
  const tensors: Tensor[] = [];
  try {
    const wIh = be.uploadQuantized(quantizeRows(param('weight_ih'), G * H, D));
    handles.push(wIh);
    const wHh = be.uploadQuantized(quantizeRows(param('weight_hh'), G * H, H));
    handles.push(wHh);
    const biasIh = be.upload(param('bias_ih'), [G * H]);
    tensors.push(biasIh);
    const biasHh = be.upload(param('bias_hh'), [G * H]);
    tensors.push(biasHh);
    const h0 = be.zeros([B, H]);
    tensors.push(h0);
    const c0 = w.cell === 'lstm' ? be.zeros([B, H]) : undefined;
    if (c0) tensors.push(c0);
    if (!be.recurrentBatchFirst) throw new Error('int8 timing needs a backend whose recurrent kernels take batch-first input');
    const xIn = x;
    let output: Float32Array | undefined;
    const forward = async () => {
      const r = be.quantizedRecurrentForward({
        cell: w.cell,
        gruResetAfter: w.spec.gruResetAfter,
        x: xIn,
        batchFirst: true,
        weightIh: wIh,
        weightHh: wHh,
        biasIh,
        biasHh,
        h0,
        ...(c0 ? { c0 } : {}),
      });
      output = await be.read(r.y);
      for (const t of [r.y, r.hN, r.cN]) if (t) be.dispose(t);
    };
    const stats = await withDeadline(measure(forward, timing), deadlineMs(timing), `${label} int8 forward`);
    return { stats, ...(output ? { output } : {}) };
  } catch (e) {
    return { failure: firstLine(e) };
  } finally {
    for (const t of tensors) be.dispose(t);
    for (const q of handles) be.disposeQuantized(q);
  }
}

/** The layer's weights in bytes: float32, and int8 with per-row float32 scales (biases stay float32 in both). */
export function modelBytes(w: Workload): { float32: number; int8: number } {
  const { D, H } = w.shape;
  const G = gateCount(w.cell);
  const weights = G * H * (D + H);
  const biases = 2 * G * H;
  return { float32: 4 * (weights + biases), int8: weights + 4 * 2 * G * H + 4 * biases };
}

function int8SizeNote(w: Workload): string {
  const b = modelBytes(w);
  return `weights ${(b.float32 / 1024).toFixed(0)} KiB float32 → ${(b.int8 / 1024).toFixed(0)} KiB int8 (${(b.float32 / b.int8).toFixed(1)}× smaller)`;
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
      add(await onnxruntimeSpeed(tools, w, cfg.anchors.onnxThreads, timing, cfg.speed.int8));
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
