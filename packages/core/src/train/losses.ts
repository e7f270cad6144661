import type { Backend } from '../backend/backend.js';
import { Scope } from '../backend/scope.js';
import { checkObject, describe, RnnkitError } from '../errors.js';
import type { HostTensor, Tensor } from '../tensor.js';
import { formatShape, rowsCols, shapeEquals, sizeOf } from '../tensor.js';
import type { IdTensor, Targets } from './batch.js';
import { isIdTensor } from './batch.js';

/** How per-step outputs are laid out and which steps count. */
export interface LossContext {
  /**
   * Valid steps per sequence (B), for per-step outputs `[B, T, F]` (or `[T, B, F]`): steps at or
   * past `lengths[b]` are masked out of the loss and get zero gradient.
   */
  lengths?: Int32Array;
  /** Layout of rank-3 outputs: `[B, T, F]` (default) or `[T, B, F]`. */
  batchFirst?: boolean;
}

/** What a `Loss` computes for one batch, on the backend (the caller disposes `loss` and `grad`). */
export interface LossValue {
  /** The reduced loss, shape [1], on the backend. */
  loss: Tensor;
  /** d loss / d output, the output's shape. */
  grad: Tensor;
  /**
   * What the loss is an average over (valid elements, tokens or sequences): averaging over
   * batches weighted by it gives the data set's loss.
   */
  weight: number;
}

/** A loss from the model output and targets. Everything stays on the backend. */
export interface Loss {
  /** Its name in logs and `History` (`mse`, `crossEntropy`). */
  readonly name: string;
  /** `regression` losses take float targets, `classification` ones class ids. */
  readonly kind: 'regression' | 'classification';
  /** Classification: the target id that counts for nothing. */
  readonly ignoreIndex?: number;
  /** The batch's loss and its gradient with respect to `output` (`ctx` carries `lengths` so padded steps count for nothing). */
  compute(be: Backend, output: Tensor, target: Targets, ctx?: LossContext): LossValue;
}

/** A built-in loss by name: `mse` (mean squared error) or `crossEntropy` (softmax cross-entropy over class logits, integer targets). */
export type LossName = 'mse' | 'crossEntropy';

/**
 * Per-row validity of a per-step output viewed as [rows, F]: 1 where the step is inside its
 * sequence's length, else 0. Undefined when every row counts.
 */
export function stepRowMask(outputShape: readonly number[], ctx: LossContext): Float32Array | undefined {
  if (outputShape.length !== 3 || !ctx.lengths) return undefined;
  const bf = ctx.batchFirst ?? true;
  const [B, T] = bf ? [outputShape[0], outputShape[1]] : [outputShape[1], outputShape[0]];
  if (ctx.lengths.length !== B) {
    throw new RnnkitError(
      'INVALID_LENGTHS',
      `lengths: expected ${B} entries (one per sequence of the output ${formatShape(outputShape)}), got ${ctx.lengths.length}`,
      { argument: 'lengths' },
    );
  }
  const m = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const L = ctx.lengths[b];
    for (let t = 0; t < Math.min(L, T); t++) m[bf ? b * T + t : t * B + b] = 1;
  }
  return m;
}

function expectFloats(target: Targets, output: Tensor, loss: string): HostTensor {
  if (isIdTensor(target) || !(target.data instanceof Float32Array)) {
    throw new RnnkitError('INVALID_ARGUMENT', `target: expected float targets {data: Float32Array, shape} for the ${loss} loss, got ${describe(target)}`, {
      argument: 'target',
    });
  }
  if (!shapeEquals(target.shape, output.shape) || target.data.length !== sizeOf(output.shape)) {
    throw new RnnkitError('SHAPE_MISMATCH', `target: expected shape ${formatShape(output.shape)} (the model output's), got ${formatShape(target.shape)}`, {
      argument: 'target',
    });
  }
  return target;
}

/**
 * Mean squared error, torch.nn.MSELoss(reduction='mean') over the valid elements: padded steps
 * (per `ctx.lengths`) are left out of both the sum and the count. Target values at padded steps
 * are ignored but must be finite.
 */
export function mse(): Loss {
  return {
    name: 'mse',
    kind: 'regression',
    compute(be, output, target, ctx = {}) {
      const t = expectFloats(target, output, 'mse');
      const mask = stepRowMask(output.shape, ctx);
      const [rows, cols] = rowsCols(output.shape);
      const validRows = mask ? mask.reduce((a, b) => a + b, 0) : rows;
      const count = validRows * cols;
      const s = new Scope(be); // temporaries, released however this ends
      const made = new Scope(be); // the results, released only if it fails
      try {
        const out2 = s.t(be.reshape(output, [rows, cols]));
        const tgt = s.t(be.upload(t.data, [rows, cols]));
        const scale = count > 0 ? 1 / count : 0;
        let sumSquares: Tensor;
        let grad: Tensor;
        if (!mask) {
          // One pass where the backend fuses it (composite otherwise): the same sum and gradient.
          const r = be.squaredErrorGrad(out2, tgt, 2 * scale);
          sumSquares = s.t(r.sumSquares);
          grad = s.t(r.grad);
        } else {
          let diff = s.t(be.sub(out2, tgt));
          if (mask) diff = s.t(be.mulColumnVector(diff, s.t(be.upload(mask, [rows]))));
          sumSquares = s.t(be.sumSquares(diff));
          grad = s.t(be.affine(diff, 2 * scale, 0));
        }
        const loss = made.t(be.affine(sumSquares, scale, 0));
        const gradOut = made.t(be.reshape(grad, output.shape));
        return { loss, grad: gradOut, weight: count };
      } catch (e) {
        made.dispose();
        throw e;
      } finally {
        s.dispose();
      }
    },
  };
}

/** Options of `crossEntropy(…)`. */
export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (loss 0, gradient 0), as in PyTorch. Default −100. */
  ignoreIndex?: number;
  /**
   * `mean` (default): average over the counted targets (steps or sequences); `sum`: their sum;
   * `sequence`: each sequence's summed step losses, averaged over the sequences in the batch.
   */
  reduction?: 'mean' | 'sum' | 'sequence';
}

/**
 * Copies the target ids with masked rows set to `ignoreIndex`, then checks the rest are class
 * ids: what padded steps hold is never looked at.
 */
function expectIds(target: Targets, output: Tensor, C: number, ignoreIndex: number, mask: Float32Array | undefined): Int32Array {
  if (!isIdTensor(target)) {
    throw new RnnkitError('INVALID_ARGUMENT', `target: expected class ids {ids, shape} for the crossEntropy loss, got ${describe(target)}`, {
      argument: 'target',
    });
  }
  const want = output.shape.slice(0, -1);
  if (!shapeEquals(target.shape, want) || target.ids.length !== sizeOf(want)) {
    throw new RnnkitError(
      'SHAPE_MISMATCH',
      `target: expected class ids of shape ${formatShape(want)} (the output ${formatShape(output.shape)} without its class axis), got ${formatShape(target.shape)}`,
      { argument: 'target' },
    );
  }
  const ids = new Int32Array(target.ids.length);
  for (let i = 0; i < ids.length; i++) {
    if (mask && mask[i] === 0) {
      ids[i] = ignoreIndex;
      continue;
    }
    const v = (target as IdTensor).ids[i];
    if (v !== ignoreIndex && !(Number.isInteger(v) && v >= 0 && v < C)) {
      throw new RnnkitError('INVALID_ARGUMENT', `target.ids[${i}]: expected a class id in 0..${C - 1} or the ignore index ${ignoreIndex}, got ${describe(v)}`, {
        argument: `target.ids[${i}]`,
      });
    }
    ids[i] = v;
  }
  return ids;
}

/**
 * Softmax cross-entropy from logits, torch.nn.CrossEntropyLoss: logits `[B, C]` with one class
 * id per sequence (many-to-one), or `[B, T, C]` / `[T, B, C]` with one per step (tagging,
 * language models, decoders). Padded steps (per `ctx.lengths`) and targets equal to
 * `ignoreIndex` are left out. Runs on the backend's `softmaxCrossEntropy` primitive.
 */
export function crossEntropy(opts: CrossEntropyOptions = {}): Loss {
  checkObject(opts, 'options', '{ ignoreIndex, reduction }');
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  if (!Number.isInteger(ignoreIndex))
    throw new RnnkitError('INVALID_ARGUMENT', `ignoreIndex: expected an integer, got ${describe(ignoreIndex)}`, { argument: 'ignoreIndex' });
  if (!['mean', 'sum', 'sequence'].includes(reduction))
    throw new RnnkitError('INVALID_ARGUMENT', `reduction: expected "mean", "sum" or "sequence", got ${describe(reduction)}`, { argument: 'reduction' });
  return {
    name: 'crossEntropy',
    kind: 'classification',
    ignoreIndex,
    compute(be, output, target, ctx = {}) {
      if (output.shape.length < 2)
        throw new RnnkitError('SHAPE_MISMATCH', `output: expected logits [B, C] or [B, T, C], got ${formatShape(output.shape)}`, { argument: 'output' });
      const [rows, C] = rowsCols(output.shape);
      const ids = expectIds(target, output, C, ignoreIndex, stepRowMask(output.shape, ctx));
      let counted = 0;
      for (let i = 0; i < rows; i++) if (ids[i] !== ignoreIndex) counted++;
      const sequences = output.shape.length === 3 ? ((ctx.batchFirst ?? true) ? output.shape[0] : output.shape[1]) : rows;
      const weight = reduction === 'mean' ? counted : reduction === 'sequence' ? sequences : 1;
      const scale = reduction === 'sum' ? 1 : weight > 0 ? 1 / weight : 0;
      const s = new Scope(be); // temporaries, released however this ends
      const made = new Scope(be); // the results, released only if it fails
      try {
        const logits = s.t(be.reshape(output, [rows, C]));
        const r = be.softmaxCrossEntropy(logits, ids, ignoreIndex);
        s.t(r.loss);
        s.t(r.grad);
        const loss = made.t(be.affine(s.t(be.sum(r.loss)), scale, 0));
        const grad = made.t(be.reshape(s.t(be.affine(r.grad, scale, 0)), output.shape));
        return { loss, grad, weight };
      } catch (e) {
        made.dispose();
        throw e;
      } finally {
        s.dispose();
      }
    },
  };
}

/** A loss by name or as given. */
export function resolveLoss(loss: Loss | LossName | undefined, argument = 'loss'): Loss {
  if (loss === 'mse') return mse();
  if (loss === 'crossEntropy') return crossEntropy();
  if (loss && typeof loss === 'object' && typeof (loss as Loss).compute === 'function') return loss as Loss;
  throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected "mse", "crossEntropy" or a Loss object, got ${describe(loss)}`, { argument });
}
