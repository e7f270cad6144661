import type { Backend } from '../backend/backend.js';
import { describe, RnnkitError } from '../errors.js';
import type { RecurrentSpec } from '../graph/spec.js';
import type { ForwardOptions, Gradients, Lengths, Model, TokenInput } from '../model/model.js';
import { DEFAULT_MAX_SEQUENCE_LENGTH } from '../model/validate_inputs.js';
import type { HostTensor, Tensor } from '../tensor.js';
import { formatShape, shapeEquals } from '../tensor.js';
import type { IdTensor, Targets, TrainBatch, TrainData } from './batch.js';
import { isIdTensor, swapBatchTime } from './batch.js';
import type { Loss, LossContext, LossName, LossValue } from './losses.js';
import { resolveLoss } from './losses.js';
import type { GradientGroup } from './optimizers.js';

/** What one objective run leaves: the loss, the output for metrics and, when training, gradients. */
export interface ObjectiveRun {
  /** The batch's loss, its gradient with respect to `output`, and its averaging weight; all on the backend. */
  loss: LossValue;
  /** The output the loss saw, in the model's layout. */
  output: Tensor;
  /** The targets and mask context in the output's layout (for metrics). */
  target: Targets;
  /** The loss's masking (`lengths`) and layout (`batchFirst`), for metrics to skip padded steps. */
  ctx: LossContext;
  /** One group per model (training only). The maps are mutable so clipping can replace tensors. */
  grads?: (GradientGroup & {
    /** Gradient per parameter name; clipping may replace entries (the replaced tensor is disposed). */
    grads: Map<string, Tensor>;
  })[];
  /** Frees every tensor of the run (loss, output, gradients). Call it once the figures are read. */
  dispose(): void;
}

/**
 * Something `fit` can train: one or more models, a loss, and how a batch becomes a loss and
 * gradients. `supervised(model, loss)` covers the single-model task shapes; `Seq2Seq` is another.
 */
export interface Objective {
  /** The models it trains, all on one backend; the optimizer steps each of them. */
  readonly models: readonly Model[];
  /** The loss applied to the output (`evaluate` and `fit` use it when given an Objective). */
  readonly loss: Loss;
  /** Forward (and backward when `training`) over one sample-first batch. */
  run(batch: TrainBatch, opts: { training: boolean; dropoutSeed?: number }): ObjectiveRun;
  /**
   * Checks a whole data set against the model(s) before training starts, so bad targets fail
   * before the first step instead of half way through an epoch. `argument` names the data set.
   */
  checkData?(data: TrainData, argument: string): void;
}

/**
 * Checks class ids against `classes` (ids may also be the ignore index, and anything at a step
 * masked by `lengths` along axis 1). Throws naming the first bad id.
 */
export function checkClassIds(y: IdTensor, classes: number, ignoreIndex: number | undefined, lengths: Lengths | undefined, argument: string): void {
  const T = y.shape.length > 1 ? y.shape[1] : 1;
  const per = y.shape.length > 2 ? y.ids.length / (y.shape[0] * T) : 1;
  for (let i = 0; i < y.ids.length; i++) {
    const v = y.ids[i];
    if (v === ignoreIndex) continue;
    if (lengths && y.shape.length > 1 && Math.floor(i / per) % T >= Number(lengths[Math.floor(i / (per * T))])) continue;
    if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
      throw new RnnkitError(
        'INVALID_ARGUMENT',
        `${argument}.ids[${i}]: expected a class id in 0..${classes - 1}${ignoreIndex !== undefined ? ` or the ignore index ${ignoreIndex}` : ''}, got ${describe(v)}`,
        { argument: `${argument}.ids[${i}]` },
      );
    }
  }
}

/**
 * A data set's x against the model, before any step runs: token ids of an embedding-first
 * model's vocabulary (every id, padding included, is looked up), or float inputs [N, T, F] with
 * the model's feature count; 1 ≤ T ≤ the default maxSequenceLength either way.
 */
export function checkTokenInput(model: Model, x: TrainData['x'], argument: string): void {
  const first = model.spec.layers[0];
  const T = x.shape[1];
  if (first.type !== 'embedding') {
    if (isIdTensor(x))
      throw new RnnkitError('INVALID_ARGUMENT', `${argument}.x: expected float inputs {data, shape} for a model without an embedding, got token ids`, {
        argument: `${argument}.x`,
      });
    const F = first.type === 'recurrent' ? first.inputSize : first.type === 'linear' ? first.inFeatures : undefined;
    if (x.shape.length !== 3 || (F !== undefined && x.shape[2] !== F)) {
      throw new RnnkitError(
        'SHAPE_MISMATCH',
        `${argument}.x: expected shape [N, T, ${F ?? 'F'}] (samples, steps, the model's ${F ?? ''} input features), got ${formatShape(x.shape)}`,
        { argument: `${argument}.x` },
      );
    }
  } else {
    if (!isIdTensor(x) || x.shape.length !== 2)
      throw new RnnkitError(
        'INVALID_ARGUMENT',
        `${argument}.x: expected token ids {ids, shape: [N, T]} for a model that starts with an embedding, got ${describe(x)}`,
        { argument: `${argument}.x` },
      );
  }
  if (!(T >= 1 && T <= DEFAULT_MAX_SEQUENCE_LENGTH)) {
    throw new RnnkitError(
      'SHAPE_MISMATCH',
      `${argument}.x: expected 1..${DEFAULT_MAX_SEQUENCE_LENGTH} steps in axis 1 (an empty sequence has no output), got shape ${formatShape(x.shape)}`,
      { argument: `${argument}.x` },
    );
  }
  if (first.type === 'embedding') checkClassIds(x as IdTensor, first.numEmbeddings, undefined, undefined, `${argument}.x`);
}

/** Every model of an objective: usable (not disposed) and on one backend. Checked before a training call starts. */
export function checkModelsReady(models: readonly Model[]): void {
  if (!Array.isArray(models) || models.length === 0)
    throw new RnnkitError('INVALID_ARGUMENT', `objective.models: expected at least one Model, got ${describe(models)}`, { argument: 'objective.models' });
  const be = models[0].backend;
  models.forEach((m, i) => {
    if (m.backend !== be)
      throw new RnnkitError(
        'BACKEND_MISMATCH',
        `objective.models[${i}]: expected a model on the same backend as models[0] (${be.name}), got one on ${m.backend.name}`,
        { argument: `objective.models[${i}]` },
      );
  });
}

/** Output features and whether the output is per step, from a model's layer list. */
export function outputShapeOf(model: Model): {
  /** True when the output has a step axis (`[B, T, F]`); false after a `steps: 'last'` layer (`[B, F]`). */
  perStep: boolean;
  /** Size of the output's last axis: the last embedding, recurrent (×2 when bidirectional) or linear layer's width. */
  features: number;
} {
  let perStep = true;
  let features = 0;
  for (const l of model.spec.layers) {
    if (l.type === 'embedding') features = l.embeddingDim;
    else if (l.type === 'recurrent') features = l.hiddenSize * (l.bidirectional ? 2 : 1);
    else if (l.type === 'linear') features = l.outFeatures;
    else if (l.steps === 'last') perStep = false;
  }
  return { perStep, features };
}

/** True for anything shaped like an Objective (a `run` function and a `models` array), e.g. `supervised(…)` or a `Seq2Seq`. */
export function isObjective(x: unknown): x is Objective {
  return typeof x === 'object' && x !== null && typeof (x as Objective).run === 'function' && Array.isArray((x as Objective).models);
}

/** The first recurrent layer's layout (true when the model has none). */
export function modelBatchFirst(model: Model): boolean {
  const rec = model.spec.layers.find((l): l is RecurrentSpec => l.type === 'recurrent');
  return rec ? rec.batchFirst : true;
}

/** True when targets carry one entry per step (ids [B, T], floats [B, T, F]). */
export function perStepTargets(y: Targets): boolean {
  return isIdTensor(y) ? y.shape.length === 2 : y.shape.length === 3;
}

/** Moves a sample-first batch into the model's layout (time-major models get [T, B, …]). */
export function toModelLayout(
  model: Model,
  batch: TrainBatch,
): {
  /** Inputs: the batch's own when batch-first, else swapped to `[T, B, F]` (floats) or `[T, B]` (ids). */
  x: HostTensor | TokenInput;
  /** Targets: per-step ones swapped like `x`; per-sequence ones (`[B]`, `[B, F]`) unchanged. */
  y: Targets;
  /** The model's layout: true when `x` and `y` are sample-first. */
  batchFirst: boolean;
} {
  const bf = modelBatchFirst(model);
  if (bf) return { x: batch.x, y: batch.y, batchFirst: true };
  const x = isIdTensor(batch.x) ? (swapBatchTime(batch.x as IdTensor, true) as unknown as TokenInput) : swapBatchTime(batch.x as HostTensor, true);
  return { x, y: swapBatchTime(batch.y, perStepTargets(batch.y)), batchFirst: false };
}

/** Wraps a backward's gradients as a mutable group. */
export function gradientGroup(
  model: Model,
  g: Gradients,
): GradientGroup & {
  /** `g.params` itself (not a copy): gradient per parameter name, replaceable by clipping. */
  grads: Map<string, Tensor>;
} {
  return { model, grads: g.params };
}

/**
 * The plain supervised objective: output = model(x), loss(output, y). Per-step targets are
 * masked with `yLengths` when given, else `lengths`. Works for many-to-one (targets per
 * sequence) and many-to-many (targets per step), float or token inputs, either layout.
 */
export function supervised(model: Model, loss: Loss | LossName): Objective {
  const l = resolveLoss(loss);
  return {
    models: [model],
    loss: l,
    checkData(data, argument) {
      checkTokenInput(model, data.x, argument);
      const { perStep, features } = outputShapeOf(model);
      const y = data.y as Targets;
      const [N, T] = data.x.shape;
      const want = l.kind === 'classification' ? (perStep ? [N, T] : [N]) : perStep ? [N, T, features] : [N, features];
      const isIds = isIdTensor(y);
      if (l.kind === 'classification' && !isIds)
        throw new RnnkitError(
          'INVALID_ARGUMENT',
          `${argument}.y: expected class ids {ids, shape: ${formatShape(want)}} for the ${l.name} loss, got float targets`,
          { argument: `${argument}.y` },
        );
      if (l.kind === 'regression' && isIds)
        throw new RnnkitError(
          'INVALID_ARGUMENT',
          `${argument}.y: expected float targets {data, shape: ${formatShape(want)}} for the ${l.name} loss, got class ids`,
          { argument: `${argument}.y` },
        );
      if (!shapeEquals(y.shape, want)) {
        throw new RnnkitError(
          'SHAPE_MISMATCH',
          `${argument}.y: expected shape ${formatShape(want)} (the model's output is ${perStep ? 'per step' : 'per sequence'} with ${features} features), got ${formatShape(y.shape)}`,
          { argument: `${argument}.y` },
        );
      }
      if (isIds) checkClassIds(y, features, l.ignoreIndex, perStep ? (data.yLengths ?? data.lengths) : undefined, `${argument}.y`);
    },
    run(batch, opts) {
      const be: Backend = model.backend;
      const { x, y, batchFirst } = toModelLayout(model, batch);
      const maskLengths = batch.yLengths ?? batch.lengths;
      // Explicit literals, no spreads: this runs on every training step.
      const ctx: LossContext = { batchFirst };
      if (maskLengths && perStepTargets(batch.y)) ctx.lengths = maskLengths;
      const fo: ForwardOptions = { training: opts.training };
      if (batch.lengths) fo.lengths = batch.lengths;
      if (opts.dropoutSeed !== undefined) fo.dropoutSeed = opts.dropoutSeed;
      const pass = model.forward(x, fo);
      let lv: LossValue;
      try {
        lv = l.compute(be, pass.output, y, ctx);
      } catch (e) {
        pass.dispose();
        throw e;
      }
      // The input is data: no d loss / d input wanted.
      let grads: Gradients | undefined;
      try {
        grads = opts.training ? pass.backward({ dOutput: lv.grad }, { inputGrad: false }) : undefined;
      } catch (e) {
        be.dispose(lv.loss);
        be.dispose(lv.grad);
        pass.dispose();
        throw e;
      }
      return {
        loss: lv,
        output: pass.output,
        target: y,
        ctx,
        ...(grads ? { grads: [gradientGroup(model, grads)] } : {}),
        dispose() {
          grads?.dispose();
          be.dispose(lv.loss);
          be.dispose(lv.grad);
          pass.dispose();
        },
      };
    },
  };
}

/** A model with its loss as an objective, or the objective as given. */
export function resolveObjective(target: Model | Objective, loss: Loss | LossName | undefined): Objective {
  if (isObjective(target)) return target;
  if (!target || typeof target !== 'object' || typeof (target as Model).forward !== 'function' || !('spec' in target)) {
    throw new RnnkitError('INVALID_ARGUMENT', `model: expected a Model or an Objective, got ${describe(target)}`, { argument: 'model' });
  }
  if (loss === undefined)
    throw new RnnkitError('INVALID_ARGUMENT', 'loss: expected "mse", "crossEntropy" or a Loss object when training a Model, got undefined', {
      argument: 'loss',
    });
  return supervised(target as Model, loss);
}
