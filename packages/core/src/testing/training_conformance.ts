import { existsSync, readFileSync } from 'node:fs';
import type { Backend } from '../backend/backend.js';
import type { LayerDraft } from '../graph/builders.js';
import { embedding, gru, lastStep, linear, lstm, rnn } from '../graph/builders.js';
import type { Model } from '../model/model.js';
import { sequential } from '../model/model.js';
import type { TrainData } from '../train/batch.js';
import { fit } from '../train/fit.js';
import type { LossName } from '../train/losses.js';
import type { Optimizer } from '../train/optimizers.js';
import { adam, adamw, sgd } from '../train/optimizers.js';
import { cosineWithWarmup, stepDecay } from '../train/schedules.js';
import { Rng } from '../util/rng.js';
import { scaledError } from './conformance.js';
import { coreFixturesPath, FIXTURES_HINT } from './fixtures_dir.js';

/**
 * Training conformance: a few optimizer steps from a fixed seed must give the same parameters
 * on every backend. Each case fixes a model, data, loss, optimizer and clipping; everything
 * random (initial parameters, data, shuffles, dropout masks) is drawn on the host, so backends
 * differ only in arithmetic. A backend's suite runs `runTrainingCase` on itself and on
 * backend-cpu (or reads the committed PyTorch runs, `torchTrainingRuns`) and compares with
 * `compareTrainingRuns`.
 */
export interface TrainingCase {
  /** Readable, unique name: model, loss, optimizer and what else the case exercises. */
  name: string;
  /** The model's layers, built with `sequential`. */
  layers: LayerDraft[];
  /** Seed of the initial parameters, the shuffles and the dropout masks. */
  seed: number;
  /** Inputs, targets and optional lengths, on the host. */
  data: TrainData;
  /** `mse` or `crossEntropy`. */
  loss: LossName;
  /** Makes a fresh optimizer (with its schedule) for each run. */
  optimizer: () => Optimizer;
  /** Passes over the data. */
  epochs: number;
  /** Samples per optimizer step. */
  batchSize: number;
  /** Clip the global gradient norm to this (`clip_grad_norm_`); absent: no norm clipping. */
  maxNorm?: number;
  /** Clamp every gradient element into [−clipValue, clipValue] (`clip_grad_value_`); absent: none. */
  clipValue?: number;
}

/** Max scaled error (see `scaledError`) allowed between two backends' runs. */
export const TRAINING_TOLERANCE = 1e-4;

function floats(n: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** The shared training cases: every cell, both losses, all three optimizers, schedules, clipping, dropout, lengths. */
export function trainingConformanceCases(): TrainingCase[] {
  const r = new Rng(2024);
  const N = 12;
  const T = 5;
  const lengths = Int32Array.from({ length: N }, (_, i) => 1 + ((i * 3) % T));
  const x3 = { data: floats(N * T * 3, r), shape: [N, T, 3] };
  const ids = { ids: Int32Array.from({ length: N * T }, () => r.int(7)), shape: [N, T] as [number, number] };
  const tags = { ids: Int32Array.from({ length: N * T }, (_, i) => (i % 4 === 3 ? -100 : r.int(5))), shape: [N, T] };
  const y2 = { data: floats(N * 2, r), shape: [N, 2] };
  const cls = { ids: Int32Array.from({ length: N }, () => r.int(3)), shape: [N] };
  return [
    {
      name: 'lstm many-to-one mse, sgd nesterov + weight decay, clip norm, lengths',
      layers: [lstm({ inputSize: 3, hiddenSize: 4 }), lastStep(), linear({ outFeatures: 2 })],
      seed: 1,
      data: { x: x3, y: y2, lengths },
      loss: 'mse',
      optimizer: () => sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      epochs: 2,
      batchSize: 4,
      maxNorm: 0.5,
    },
    {
      name: 'gru tagger cross-entropy, adam + step decay, lengths and ignore index',
      layers: [embedding({ numEmbeddings: 7, embeddingDim: 3 }), gru({ hiddenSize: 4 }), linear({ outFeatures: 5 })],
      seed: 2,
      data: { x: ids, y: tags, lengths },
      loss: 'crossEntropy',
      optimizer: () => adam({ lr: 0.02, schedule: stepDecay({ stepSize: 2, gamma: 0.5 }) }),
      epochs: 2,
      batchSize: 6,
    },
    {
      name: 'rnn 2 layers bidirectional with dropout, classifier, adamw + cosine warm-up, clip value',
      layers: [rnn({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, dropout: 0.25 }), lastStep(), linear({ outFeatures: 3 })],
      seed: 3,
      data: { x: x3, y: cls, lengths },
      loss: 'crossEntropy',
      optimizer: () => adamw({ lr: 0.01, weightDecay: 0.1, schedule: cosineWithWarmup({ warmupSteps: 2, totalSteps: 6 }) }),
      epochs: 2,
      batchSize: 4,
      clipValue: 0.3,
    },
  ];
}

/** What `runTrainingCase` ended with on one backend. */
export interface TrainingRun {
  /** The case's name. */
  name: string;
  /** Parameters after the last step, state_dict order. */
  params: Map<string, Float32Array>;
  /** Loss and global gradient norm of every step. */
  losses: number[];
  /** Global gradient norm (before clipping) of every step, in step order. */
  gradNorms: number[];
  /** Tensors the backend still held after the run beyond those before (should be 0). */
  leakedTensors: number;
}

/** Trains a case's model on `be` and returns what it ended with. */
export async function runTrainingCase(be: Backend, c: TrainingCase): Promise<TrainingRun> {
  const before = be.liveTensors();
  const model: Model = sequential(c.layers, { seed: c.seed }).to(be);
  const opt = c.optimizer();
  const losses: number[] = [];
  const gradNorms: number[] = [];
  await fit(model, c.data, {
    loss: c.loss,
    optimizer: opt,
    epochs: c.epochs,
    batchSize: c.batchSize,
    seed: c.seed,
    ...(c.maxNorm !== undefined ? { maxNorm: c.maxNorm } : {}),
    ...(c.clipValue !== undefined ? { clipValue: c.clipValue } : {}),
    callbacks: {
      onStepEnd: (s) => {
        losses.push(s.loss);
        gradNorms.push(s.gradNorm);
      },
    },
  });
  const params = await model.stateDict();
  opt.dispose();
  model.dispose();
  return { name: c.name, params, losses, gradNorms, leakedTensors: be.liveTensors() - before };
}

/** Largest scaled error between two runs' parameters, losses and gradient norms. */
export function compareTrainingRuns(
  a: TrainingRun,
  b: TrainingRun,
): {
  /** Worst scaled error over parameters; Infinity when the two runs have different parameter sets. */
  paramError: number;
  /** Worst scaled error of the per-step losses and gradient norms. */
  lossError: number;
  /** Name of the parameter with the largest error ('' when none differs). */
  worst: string;
} {
  let paramError = 0;
  let worst = '';
  for (const [k, v] of a.params) {
    const e = scaledError(v, b.params.get(k) ?? new Float32Array(0));
    if (!(e <= paramError)) {
      paramError = e;
      worst = k;
    }
  }
  if (a.params.size !== b.params.size) paramError = Infinity;
  const lossError = Math.max(scaledError(a.losses, b.losses), scaledError(a.gradNorms, b.gradNorms));
  return { paramError, lossError, worst };
}

/** A whole training run recorded from PyTorch (packages/core/fixtures/training/generate.py). */
export interface TorchTrainingRun {
  /** The run's name in the fixture. */
  name: string;
  /** Model, data and optimizer the run used, and what PyTorch got. */
  build(): {
    /** A new model holding PyTorch's initial parameters. */
    model: Model;
    /** The run's inputs, targets and lengths (one full batch). */
    data: TrainData;
    /** `crossEntropy` (tagger) or `mse` (regressor). */
    loss: LossName;
    /** A new optimizer with PyTorch's settings. */
    optimizer: Optimizer;
    /** Steps PyTorch took: one full batch per epoch. */
    epochs: number;
    /** Global gradient-norm clip (`clip_grad_norm_`), when the run used one. */
    maxNorm?: number;
    /** Per-element gradient clamp (`clip_grad_value_`), when the run used one. */
    clipValue?: number;
  };
  /** PyTorch's loss at every step. */
  losses: number[];
  /** PyTorch's parameters after the last step, by state_dict name. */
  final: Map<string, Float32Array>;
}

/** One run as `fixtures/training/generate.py` writes it. */
interface TorchRunJson {
  name: string;
  steps: { loss: number }[];
  final: Record<string, number[]>;
  init: Record<string, number[]>;
  x: { ids?: number[]; data?: number[]; shape: [number, number] | [number, number, number] };
  y: { ids?: number[]; data?: number[]; shape: [number, number] | [number, number, number] };
  lengths: number[];
  optimizer: { kind: 'adam' | 'sgd'; lr: number; momentum?: number; nesterov?: boolean; weight_decay?: number };
  maxNorm?: number;
  clipValue?: number;
}

/**
 * The committed PyTorch training runs (an LSTM tagger with Adam and clip_grad_norm_, a 2-layer
 * GRU regressor with Nesterov SGD and clip_grad_value_), ready to replay on any backend:
 * run `fit` one full batch per epoch and compare losses and final parameters (1e-5 on
 * backend-cpu). Node only (reads a file); throws when the file is missing, so a test that loops
 * over the runs can't pass while testing nothing.
 */
export function torchTrainingRuns(): TorchTrainingRun[] {
  const file = coreFixturesPath('training/torch_training.json');
  if (!existsSync(file))
    throw new Error(`torchTrainingRuns: the fixture ${file} is missing: ${FIXTURES_HINT} (packages/core/fixtures/training/generate.py writes it)`);
  const j = JSON.parse(readFileSync(file, 'utf8'));
  const f32 = (a: number[]) => Float32Array.from(a);
  return (j.models as TorchRunJson[]).map((c) => ({
    name: c.name as string,
    losses: (c.steps as { loss: number }[]).map((s) => s.loss),
    final: new Map(Object.entries(c.final as Record<string, number[]>).map(([k, v]) => [k, f32(v)])),
    build() {
      const tagger = c.x.ids !== undefined;
      const model = tagger
        ? sequential([embedding({ numEmbeddings: 6, embeddingDim: 3 }), lstm({ hiddenSize: 4 }), linear({ outFeatures: 5 })])
        : sequential([gru({ inputSize: 2, hiddenSize: 3, numLayers: 2 }), lastStep(), linear({ outFeatures: 2 })]);
      model.loadStateDict(new Map(Object.entries(c.init as Record<string, number[]>).map(([k, v]) => [k, f32(v)])));
      const o = c.optimizer;
      const optimizer = o.kind === 'adam' ? adam({ lr: o.lr }) : sgd({ lr: o.lr, momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.weight_decay });
      const data: TrainData = tagger
        ? { x: { ids: c.x.ids!, shape: c.x.shape as [number, number] }, y: { ids: c.y.ids!, shape: c.y.shape as [number, number] }, lengths: c.lengths }
        : { x: { data: f32(c.x.data!), shape: c.x.shape }, y: { data: f32(c.y.data!), shape: c.y.shape }, lengths: c.lengths };
      return {
        model,
        data,
        loss: tagger ? 'crossEntropy' : 'mse',
        optimizer,
        epochs: c.steps.length,
        ...(c.maxNorm ? { maxNorm: c.maxNorm } : {}),
        ...(c.clipValue ? { clipValue: c.clipValue } : {}),
      };
    },
  }));
}
