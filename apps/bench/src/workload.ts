import type { ModelSpec, RecurrentSpec } from '@rnnkit/core';
import { gateCount, initParams, Model, modelParams, Rng } from '@rnnkit/core';
import type { BenchShape, SpeedCell } from './config.js';

/**
 * One speed measurement's problem: a single-layer, unidirectional, batch-first recurrent layer
 * of the given cell and shape, with seeded weights, input and MSE target. Every backend and
 * every anchor runs these very numbers.
 */
export interface Workload {
  cell: SpeedCell;
  shape: BenchShape;
  spec: RecurrentSpec;
  modelSpec: ModelSpec;
  /** Model parameters by name (`0.weight_ih_l0`, …), PyTorch layouts. */
  params: Map<string, Float32Array>;
  /** [B, T, D] */
  x: Float32Array;
  /** [B, T, H]: the training step's MSE target. */
  target: Float32Array;
}

export function makeWorkload(cell: SpeedCell, shape: BenchShape, seed: number, opts: { gruResetAfter?: boolean } = {}): Workload {
  const spec: RecurrentSpec = {
    type: 'recurrent',
    cell,
    inputSize: shape.D,
    hiddenSize: shape.H,
    numLayers: 1,
    bidirectional: false,
    dropout: 0,
    batchFirst: true,
    bias: true,
    gruResetAfter: opts.gruResetAfter ?? true,
  };
  const modelSpec: ModelSpec = { format: 'rnnkit.model', version: 1, seed, layers: [spec] };
  const params = initParams(modelParams(modelSpec), seed);
  const rng = new Rng(seed ^ 0x9e3779b9);
  const x = new Float32Array(shape.B * shape.T * shape.D);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const target = new Float32Array(shape.B * shape.T * shape.H);
  for (let i = 0; i < target.length; i++) target[i] = 0.5 * rng.normal();
  return { cell, shape, spec, modelSpec, params, x, target };
}

/** The same workload with the GRU in Keras's reset_after=false form (tfjs-layers has only that). */
export function resetBeforeVariant(w: Workload): Workload {
  const spec = { ...w.spec, gruResetAfter: false };
  return { ...w, spec, modelSpec: { ...w.modelSpec, layers: [spec] } };
}

/** A fresh host model holding the workload's parameters (copies, so models never share arrays). */
export function workloadModel(w: Workload): Model {
  return new Model(w.modelSpec, new Map([...w.params].map(([k, v]) => [k, v.slice()])));
}

export type Task = 'forward' | 'train';

/**
 * GEMM flops: forward 2·T·B·G·H·(D+H) (input projection plus recurrence, G gates); a training
 * step counts 3× that (forward, then dX/dH and dW GEMMs of the same size).
 */
export function flops(cell: SpeedCell, s: BenchShape, task: Task): number {
  const fwd = 2 * s.T * s.B * gateCount(cell) * s.H * (s.D + s.H);
  return task === 'forward' ? fwd : 3 * fwd;
}

/** max |a − b| over two arrays of the same length (Infinity when lengths differ or NaN appears). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** The last step of a batch-first output [B, T, H]: [B, H], what the cross-engine check compares. */
export function lastStep(output: Float32Array, w: Workload): Float32Array {
  const { B, T, H } = w.shape;
  const out = new Float32Array(B * H);
  for (let b = 0; b < B; b++) out.set(output.subarray((b * T + T - 1) * H, (b * T + T) * H), b * H);
  return out;
}
