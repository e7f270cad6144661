/**
 * Runs inside headless Chromium (bundled by test/browser.test.ts): the same recurrent layers on
 * the webgpu backend (navigator.gpu) and on backend-cpu, a forward pass and one training step
 * (loss, BPTT, SGD update, forward again), and reports the largest differences; and
 * `rnnkitConformance(path)`: the 230 conformance cases and the training conformance on the
 * webgpu backend with one recurrent path forced.
 */
import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { Backend, RecurrentSpec, Tensor } from '@rnnkit/core';
import { initParams, isRnnkitError, Rng, recurrentParams } from '@rnnkit/core';
import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '@rnnkit/core/backend';
import {
  compareTrainingRuns,
  conformanceCases,
  createReferenceBackend,
  runConformanceCase,
  runTrainingCase,
  TRAINING_TOLERANCE,
  trainingConformanceCases,
} from '@rnnkit/core/testing';
import { createWebgpuBackend, F16_FORWARD_TOLERANCE, F16_GRADIENT_TOLERANCE, type RecurrentPath, type WebgpuBackend } from '../../src/index.js';

export interface BrowserReport {
  engine: string;
  reference: string;
  /** Largest |webgpu − cpu| / max(1, |cpu|) per quantity and case. */
  errors: Record<string, number>;
  /** Loss before and after the training step, per backend and case. */
  losses: Record<string, [number, number]>;
  liveTensors: number;
}

const specs: Record<string, RecurrentSpec> = {
  lstm: {
    type: 'recurrent',
    cell: 'lstm',
    inputSize: 3,
    hiddenSize: 8,
    numLayers: 2,
    bidirectional: true,
    dropout: 0,
    batchFirst: true,
    bias: true,
    gruResetAfter: true,
  },
  gru: {
    type: 'recurrent',
    cell: 'gru',
    inputSize: 3,
    hiddenSize: 6,
    numLayers: 1,
    bidirectional: false,
    dropout: 0,
    batchFirst: true,
    bias: true,
    gruResetAfter: false,
  },
};

async function trainingStep(be: Backend, spec: RecurrentSpec, x: Float32Array, target: Float32Array, lengths: Int32Array) {
  const B = lengths.length;
  const T = x.length / (B * spec.inputSize);
  const infos = recurrentParams(spec);
  const params = new Map<string, Tensor>();
  for (const [name, data] of initParams(infos, 7)) params.set(name, be.upload(data, infos.find((p) => p.name === name)!.shape));
  const xt = be.upload(x, [B, T, spec.inputSize]);
  const F = spec.hiddenSize * (spec.bidirectional ? 2 : 1);
  const yt = be.upload(target, [B, T, F]);
  const n = B * T * F;
  const forward = (training: boolean) => runRecurrent(be, spec, params, xt, { lengths, training });
  const lossOf = async (out: Tensor) => {
    const diff = be.sub(out, yt);
    const s = be.sumSquares(diff);
    const loss = (await be.read(s))[0] / n;
    be.dispose(s);
    return { diff, loss };
  };
  // Forward, mean squared error, BPTT, SGD update.
  const f1 = forward(true);
  const { diff, loss } = await lossOf(f1.output);
  const dOutput = be.affine(diff, 2 / n, 0);
  const g = backpropRecurrent(be, spec, f1.cache!, { dOutput });
  disposeRecurrentCache(f1.cache!);
  const out: Record<string, Float32Array> = { output: await be.read(f1.output), hN: await be.read(f1.hN), dx: await be.read(g.dx!) };
  for (const [name, grad] of g.grads) {
    out[`d_${name}`] = await be.read(grad);
    const p = params.get(name)!;
    const next = be.sub(p, be.affine(grad, 0.5, 0));
    params.set(name, next);
  }
  for (const [name, p] of params) out[`updated_${name}`] = await be.read(p);
  // Forward again with the updated weights: the loss went down.
  const f2 = forward(false);
  const after = await lossOf(f2.output);
  out.output2 = await be.read(f2.output);
  return { out, losses: [loss, after.loss] as [number, number] };
}

function maxError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}

async function run(path: RecurrentPath): Promise<BrowserReport | { unavailable: string }> {
  let gpu: WebgpuBackend;
  try {
    gpu = await createWebgpuBackend({ recurrentPath: path });
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : String(e) };
  }
  const cpu = await createCpuBackend();
  const report: BrowserReport = { engine: gpu.info().engine, reference: cpu.info().engine, errors: {}, losses: {}, liveTensors: 0 };
  const rng = new Rng(5);
  for (const [label, spec] of Object.entries(specs)) {
    const B = 3;
    const T = 5;
    const F = spec.hiddenSize * (spec.bidirectional ? 2 : 1);
    const x = Float32Array.from({ length: B * T * spec.inputSize }, () => rng.range(-1, 1));
    const target = Float32Array.from({ length: B * T * F }, () => rng.range(-0.5, 0.5));
    const lengths = Int32Array.of(T, 2, 4);
    const a = await trainingStep(gpu, spec, x, target, lengths);
    const b = await trainingStep(cpu, spec, x, target, lengths);
    for (const k of Object.keys(b.out)) report.errors[`${label} ${k}`] = maxError(a.out[k], b.out[k]);
    report.losses[`${label} webgpu`] = a.losses;
    report.losses[`${label} cpu`] = b.losses;
  }
  await gpu.sync();
  report.liveTensors = gpu.liveTensors();
  gpu.destroy();
  return report;
}

export interface ConformanceReport {
  path: RecurrentPath;
  cases: number;
  trainingCases: number;
  /** Every case that failed, with its result. */
  failures: string[];
  /** Fused recurrent calls per path (shows the forced path ran). */
  recurrent: { sequence: number; step: number };
}

/** The 230 conformance cases and the training conformance (against the reference backend) on one path. */
async function conformance(path: RecurrentPath): Promise<ConformanceReport | { unavailable: string }> {
  let gpu: WebgpuBackend;
  try {
    gpu = await createWebgpuBackend({ recurrentPath: path });
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : String(e) };
  }
  const failures: string[] = [];
  const cases = conformanceCases();
  for (const c of cases) {
    const r = await runConformanceCase(gpu, c);
    if (!r.pass) failures.push(`${c.name}: ${JSON.stringify(r)}`);
  }
  const training = trainingConformanceCases();
  for (const c of training) {
    const reference = createReferenceBackend();
    try {
      const mine = await runTrainingCase(gpu, c);
      const ref = await runTrainingCase(reference, c);
      const d = compareTrainingRuns(mine, ref);
      if (mine.leakedTensors !== 0 || !(d.paramError < TRAINING_TOLERANCE && d.lossError < TRAINING_TOLERANCE))
        failures.push(`training ${c.name}: ${JSON.stringify(d)}, leaked ${mine.leakedTensors}`);
    } finally {
      reference.destroy();
    }
  }
  const recurrent = gpu.counters().recurrent;
  gpu.destroy();
  return { path, cases: cases.length, trainingCases: training.length, failures, recurrent };
}

export interface F16Report {
  engine: string;
  cases: number;
  /** Every case over the f16 bounds or leaking, with its result. */
  failures: string[];
}

/**
 * Precision f16: the 230 conformance cases against the f16 bounds where the adapter has
 * `shader-f16`; `missing` (the refusal's message) where it has not — SwiftShader has not.
 */
async function f16(): Promise<F16Report | { missing: string } | { unavailable: string }> {
  let gpu: WebgpuBackend;
  try {
    gpu = await createWebgpuBackend({ precision: 'f16' });
  } catch (e) {
    if (isRnnkitError(e) && e.code === 'UNSUPPORTED' && e.argument === 'precision') return { missing: e.message };
    return { unavailable: e instanceof Error ? e.message : String(e) };
  }
  const failures: string[] = [];
  const cases = conformanceCases();
  for (const c of cases) {
    const r = await runConformanceCase(gpu, c);
    if (!(r.forwardError <= F16_FORWARD_TOLERANCE && r.gradError <= F16_GRADIENT_TOLERANCE && r.leakedTensors === 0))
      failures.push(`${c.name}: ${JSON.stringify(r)}`);
  }
  const engine = gpu.info().engine;
  gpu.destroy();
  return { engine, cases: cases.length, failures };
}

(globalThis as { rnnkitRun?: typeof run }).rnnkitRun = run;
(globalThis as { rnnkitF16?: typeof f16 }).rnnkitF16 = f16;
(globalThis as { rnnkitConformance?: typeof conformance }).rnnkitConformance = conformance;
