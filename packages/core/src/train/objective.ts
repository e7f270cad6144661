import type { Backend } from '../backend/backend.js';
import { RnnkitError, describe } from '../errors.js';
import type { RecurrentSpec } from '../graph/spec.js';
import type { Gradients, Model, TokenInput } from '../model/model.js';
import type { HostTensor, Tensor } from '../tensor.js';
import type { TrainBatch, IdTensor, Targets } from './batch.js';
import { isIdTensor, swapBatchTime } from './batch.js';
import type { Loss, LossContext, LossName, LossValue } from './losses.js';
import { resolveLoss } from './losses.js';
import type { GradientGroup } from './optimizers.js';

/** What one objective run leaves: the loss, the output for metrics and, when training, gradients. */
export interface ObjectiveRun {
  loss: LossValue;
  /** The output the loss saw, in the model's layout. */
  output: Tensor;
  /** The targets and mask context in the output's layout (for metrics). */
  target: Targets;
  ctx: LossContext;
  /** One group per model (training only). The maps are mutable so clipping can replace tensors. */
  grads?: (GradientGroup & { grads: Map<string, Tensor> })[];
  dispose(): void;
}

/**
 * Something `fit` can train: one or more models, a loss, and how a batch becomes a loss and
 * gradients. `supervised(model, loss)` covers the single-model task shapes; `Seq2Seq` is another.
 */
export interface Objective {
  readonly models: readonly Model[];
  readonly loss: Loss;
  /** Forward (and backward when `training`) over one sample-first batch. */
  run(batch: TrainBatch, opts: { training: boolean; dropoutSeed?: number }): ObjectiveRun;
}

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
export function toModelLayout(model: Model, batch: TrainBatch): { x: HostTensor | TokenInput; y: Targets; batchFirst: boolean } {
  const bf = modelBatchFirst(model);
  if (bf) return { x: batch.x, y: batch.y, batchFirst: true };
  const x = isIdTensor(batch.x) ? (swapBatchTime(batch.x as IdTensor, true) as unknown as TokenInput) : swapBatchTime(batch.x as HostTensor, true);
  return { x, y: swapBatchTime(batch.y, perStepTargets(batch.y)), batchFirst: false };
}

/** Wraps a backward's gradients as a mutable group. */
export function gradientGroup(model: Model, g: Gradients): GradientGroup & { grads: Map<string, Tensor> } {
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
    run(batch, opts) {
      const be: Backend = model.backend;
      const { x, y, batchFirst } = toModelLayout(model, batch);
      const maskLengths = batch.yLengths ?? batch.lengths;
      const ctx: LossContext = { batchFirst, ...(maskLengths && perStepTargets(batch.y) ? { lengths: maskLengths } : {}) };
      const pass = model.forward(x, {
        ...(batch.lengths ? { lengths: batch.lengths } : {}),
        training: opts.training,
        ...(opts.dropoutSeed !== undefined ? { dropoutSeed: opts.dropoutSeed } : {}),
      });
      let lv: LossValue;
      try {
        lv = l.compute(be, pass.output, y, ctx);
      } catch (e) {
        pass.dispose();
        throw e;
      }
      const grads = opts.training ? pass.backward({ dOutput: lv.grad }) : undefined;
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
  if (!target || typeof (target as Model).forward !== 'function') {
    throw new RnnkitError('INVALID_ARGUMENT', `model: expected a Model or an Objective, got ${describe(target)}`, { argument: 'model' });
  }
  if (loss === undefined) throw new RnnkitError('INVALID_ARGUMENT', 'loss: expected "mse", "crossEntropy" or a Loss object when training a Model, got undefined', { argument: 'loss' });
  return supervised(target as Model, loss);
}
