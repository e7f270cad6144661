import type { CellKind } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import { referenceRecurrent64 } from '@rnnkit/core/testing';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import type { BackendStatus, ToolStatus } from '../discover.js';
import { firstLine, loadPackage, packageDir } from '../packages.js';
import type { TimingOptions } from '../timing.js';
import { measure } from '../timing.js';
import type { Workload } from '../workload.js';
import { lastStep, makeWorkload, maxAbsDiff, resetBeforeVariant } from '../workload.js';
import type { AnchorRun } from './onnxruntime.js';

/**
 * tfjs-layers' own SimpleRNN / LSTM / GRU as an anchor: the workload's weights converted to
 * Keras layout, run with `predict` and `trainOnBatch` (SGD, MSE) on the same tfjs engine as
 * rnnkit's tfjs backend. tfjs-layers has only Keras's GRU reset_after=false, so its GRU runs
 * rnnkit's `gruResetAfter: false` form of the same weights (same shapes, same flops).
 */

export interface TfjsLayers {
  tf: typeof TfCore;
  tfl: typeof TfLayers;
  /** `tfjs-wasm` etc.: the engine the layers run on. */
  engine: string;
  toKeras: ToKeras;
}

interface KerasWeights {
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias?: Float32Array;
}
type ToKeras = (
  w: { weightIh: Float32Array; weightHh: Float32Array; biasIh?: Float32Array; biasHh?: Float32Array },
  o: { cell: CellKind; inputSize: number; hiddenSize: number; gruResetAfter?: boolean },
) => KerasWeights;

/**
 * Used only when @rnnkit/backend-tfjs (whose `toKerasWeights` is the real one) can't load:
 * kernel = W_ihᵀ, recurrent_kernel = W_hhᵀ in Keras gate order (GRU z,r,h), bias = b_ih + b_hh.
 */
const fallbackToKeras: ToKeras = (w, o) => {
  const G = gateCount(o.cell);
  const H = o.hiddenSize;
  const perm = o.cell === 'gru' ? [1, 0, 2] : [0, 1, 2, 3].slice(0, G);
  const tr = (m: Float32Array, K: number) => {
    const out = new Float32Array(K * G * H);
    for (let k = 0; k < G; k++) for (let j = 0; j < H; j++) for (let d = 0; d < K; d++) out[d * G * H + k * H + j] = m[(perm[k] * H + j) * K + d];
    return out;
  };
  const bias = new Float32Array(G * H);
  for (let k = 0; k < G; k++) for (let j = 0; j < H; j++) bias[k * H + j] = (w.biasIh?.[perm[k] * H + j] ?? 0) + (w.biasHh?.[perm[k] * H + j] ?? 0);
  return { kernel: tr(w.weightIh, o.inputSize), recurrentKernel: tr(w.weightHh, H), bias };
};

const LABELS: Record<string, string> = { tensorflow: 'tfjs-node', wasm: 'tfjs-wasm', cpu: 'tfjs-cpu' };

const KINDS: Record<string, 'node' | 'wasm' | 'cpu'> = { 'tfjs-node': 'node', 'tfjs-wasm': 'wasm', 'tfjs-cpu': 'cpu' };

export interface StartedLayers {
  layers?: TfjsLayers;
  status: ToolStatus;
  release(): void;
}

/**
 * Loads tfjs-layers on the engine rnnkit's tfjs backend reported (`tfjs`: its status from the
 * backend's own process), started here through @rnnkit/backend-tfjs; when that backend is not
 * available, starts tfjs-backend-wasm itself and says so.
 */
export async function startTfjsLayers(tfjs: BackendStatus | undefined): Promise<StartedLayers> {
  const base = { name: 'tfjs-layers', package: '@tensorflow/tfjs-layers' };
  let release = () => {};
  const tfl = await loadPackage<typeof TfLayers>('@tensorflow/tfjs-layers');
  if (!tfl.ok) return { status: { ...base, available: false, reason: tfl.reason }, release };
  const core = await loadPackage<typeof TfCore>('@tensorflow/tfjs-core');
  if (!core.ok) return { status: { ...base, version: tfl.version, available: false, reason: core.reason }, release };
  const tf = core.module;
  let toKeras: ToKeras = fallbackToKeras;
  let detail = '';
  try {
    const kind = tfjs?.available && tfjs.engine ? KINDS[tfjs.engine] : undefined;
    const mod = kind
      ? await loadPackage<{ toKerasWeights?: ToKeras; createTfjsBackend?: (o: { engine: string }) => Promise<{ destroy(): void }> }>('@rnnkit/backend-tfjs')
      : undefined;
    if (kind && mod?.ok && typeof mod.module.createTfjsBackend === 'function') {
      const be = await mod.module.createTfjsBackend({ engine: kind });
      release = () => be.destroy();
      const wanted = String(tfjs!.info?.tfBackend ?? '');
      if (wanted && tf.getBackend() !== wanted) await tf.setBackend(wanted);
      if (typeof mod.module.toKerasWeights === 'function') toKeras = mod.module.toKerasWeights;
      detail = `the engine rnnkit's tfjs backend ran on${toKeras === fallbackToKeras ? '; weights converted by the bench (backend-tfjs has no toKerasWeights)' : ''}`;
    } else {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = packageDir('@tensorflow/tfjs-backend-wasm');
      if (!tf.findBackend('wasm') && dir) wasm.setWasmPaths(`${dir}/dist/`);
      if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-backend-wasm did not initialize');
      detail = `started by the bench: rnnkit's tfjs backend is unavailable (${tfjs?.reason ?? 'not asked for'})`;
    }
  } catch (e) {
    release();
    return { status: { ...base, version: tfl.version, available: false, reason: firstLine(e) }, release: () => {} };
  }
  const engine = LABELS[tf.getBackend()] ?? tf.getBackend();
  return {
    layers: { tf, tfl: tfl.module, engine, toKeras },
    status: { ...base, version: tfl.version, available: true, detail: `${engine}; ${detail}` },
    release,
  };
}

function buildModel(L: TfjsLayers, w: Workload): TfLayers.Sequential {
  const { tfl, tf } = L;
  const { D, H, T } = w.shape;
  // Zero initializers: the weights are set below, and the default orthogonal one needs tfjs-core's
  // chained ops (tensor.flatten()), which only the @tensorflow/tfjs bundle registers.
  const init = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' } as const;
  const common = { units: H, returnSequences: true, inputShape: [T, D], useBias: true, ...init };
  const layer =
    w.cell === 'lstm'
      ? tfl.layers.lstm({ ...common, recurrentActivation: 'sigmoid', unitForgetBias: false })
      : w.cell === 'gru'
        ? tfl.layers.gru({ ...common, recurrentActivation: 'sigmoid' }) // tfjs-layers' GRU is reset_after=false
        : tfl.layers.simpleRNN({ ...common, activation: 'tanh' });
  const model = tfl.sequential({ layers: [layer] });
  const k = L.toKeras(
    {
      weightIh: w.params.get('0.weight_ih_l0')!,
      weightHh: w.params.get('0.weight_hh_l0')!,
      biasIh: w.params.get('0.bias_ih_l0')!,
      biasHh: w.params.get('0.bias_hh_l0')!,
    },
    { cell: w.cell, inputSize: D, hiddenSize: H, gruResetAfter: false },
  );
  const G = gateCount(w.cell);
  const weights = [tf.tensor2d(k.kernel, [D, G * H]), tf.tensor2d(k.recurrentKernel, [H, G * H]), tf.tensor1d(k.bias!)];
  model.setWeights(weights);
  for (const t of weights) t.dispose();
  return model;
}

/**
 * Conversion check: tfjs-layers' output for a small problem of each cell against the float64
 * reference of the same weights (GRU in its reset_after=false form). Max absolute error.
 */
export async function checkTfjsLayers(L: TfjsLayers, cell: 'rnn_tanh' | 'lstm' | 'gru', seed: number): Promise<number> {
  const w0 = makeWorkload(cell, { D: 5, H: 7, T: 6, B: 3 }, seed);
  const w = cell === 'gru' ? resetBeforeVariant(w0) : w0;
  const model = buildModel(L, w);
  const x = L.tf.tensor3d(w.x, [3, 6, 5]);
  const out = model.predict(x) as TfCore.Tensor;
  const got = (await out.data()) as Float32Array;
  out.dispose();
  x.dispose();
  model.dispose();
  const params = new Map([...w.params].map(([k, v]) => [k.slice(2), Float64Array.from(v)]));
  const ref = referenceRecurrent64(w.spec, { x: Float64Array.from(w.x), T: 6, B: 3, params });
  return maxAbsDiff(got, ref.output);
}

/** predict and trainOnBatch timings on the workload. */
export async function tfjsLayersSpeed(L: TfjsLayers, w0: Workload, timing: TimingOptions, training: boolean): Promise<AnchorRun[]> {
  const anchor = `tfjs-layers (${L.engine})`;
  const w = w0.cell === 'gru' ? resetBeforeVariant(w0) : w0;
  const note = w0.cell === 'gru' ? 'Keras GRU reset_after=false (tfjs-layers has no reset_after=true)' : undefined;
  const { tf } = L;
  const { B, T, D, H } = w.shape;
  const runs: AnchorRun[] = [];
  let model: TfLayers.Sequential | undefined;
  const x = tf.tensor3d(w.x, [B, T, D]);
  const y = tf.tensor3d(w.target, [B, T, H]);
  try {
    model = buildModel(L, w);
    const m = model;
    let last: Float32Array | undefined;
    try {
      const stats = await measure(async () => {
        const out = m.predict(x) as TfCore.Tensor;
        last = (await out.data()) as Float32Array;
        out.dispose();
      }, timing);
      // The GRU anchor runs another form of the cell, so its outputs are not comparable.
      runs.push({
        anchor,
        task: 'forward',
        stats,
        ...(last ? { lastStep: lastStep(last, w) } : {}),
        ...(w0.cell === 'gru' ? { incomparable: true } : {}),
        ...(note ? { note } : {}),
      });
    } catch (e) {
      runs.push({ anchor, task: 'forward', failure: firstLine(e) });
    }
    if (training) {
      try {
        m.compile({ optimizer: tf.train.sgd(1e-3), loss: 'meanSquaredError' });
        const stats = await measure(async () => {
          await m.trainOnBatch(x, y);
        }, timing);
        runs.push({ anchor, task: 'train', stats, ...(note ? { note } : {}) });
      } catch (e) {
        runs.push({ anchor, task: 'train', failure: firstLine(e) });
      }
    }
  } catch (e) {
    runs.push({ anchor, task: 'forward', failure: firstLine(e) });
  } finally {
    model?.dispose();
    x.dispose();
    y.dispose();
  }
  return runs;
}
