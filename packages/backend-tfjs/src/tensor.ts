import type { Shape, Tensor } from '@rnnkit/core';
import type { TensorContainer } from '@tensorflow/tfjs-core';
import type { TfjsContext } from './context.js';
import type { TfTensor } from './tf.js';

/**
 * An rnnkit tensor on the tfjs backend: it owns exactly one `tf.Tensor` (float32) of the same
 * shape and disposes it when the tensor is disposed. Tensors are immutable.
 */
export class TfjsTensor implements Tensor {
  readonly backend = 'tfjs';
  /** Extents, outermost first (frozen); the wrapped tf.Tensor has the same shape. */
  readonly shape: Shape;
  /**
   * @internal The wrapped tf.Tensor; null once disposed. (Not named `data`: a handle must not
   * look like core's host tensors, `{ data, shape }`.)
   */
  tensor: TfTensor | null;

  constructor(tensor: TfTensor) {
    this.tensor = tensor;
    this.shape = Object.freeze([...tensor.shape]);
  }

  /** True once the tensor was disposed (its tf.Tensor released); a disposed tensor can't be read or passed to a kernel. */
  get disposed(): boolean {
    return this.tensor === null;
  }
}

/** The tf.Tensor behind a live tensor (core has checked that it is live and this backend's). */
export function tfOf(x: TfjsTensor): TfTensor {
  return x.tensor as TfTensor;
}

/** Hands a tf.Tensor out as a new tensor; one already held by a tensor is cloned (shared data, its own lifetime). */
export function wrap(ctx: TfjsContext, t: TfTensor): TfjsTensor {
  const own = ctx.owned.has(t) ? ctx.tf.clone(t) : t;
  ctx.owned.add(own);
  const h = new TfjsTensor(own);
  ctx.held.add(h);
  return h;
}

/** Runs tf work inside tf.tidy: what it returns is kept, everything else it made is released, even when it throws. */
export function run<R extends TensorContainer>(ctx: TfjsContext, fn: () => R): R {
  return ctx.tf.tidy(fn);
}

/** `run` for a kernel with one result: the tf.Tensor fn returns, as a new tensor. */
export function runOne(ctx: TfjsContext, fn: () => TfTensor): TfjsTensor {
  return wrap(ctx, run(ctx, fn));
}

/** Releases a tensor's tf.Tensor. */
export function release(ctx: TfjsContext, x: TfjsTensor): void {
  if (x.tensor === null) return;
  x.tensor.dispose();
  x.tensor = null;
  ctx.held.delete(x);
}
