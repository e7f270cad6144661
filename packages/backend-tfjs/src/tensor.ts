import type { Shape, Tensor } from '@rnnkit/core';
import type { TfTensor } from './tf.js';

/**
 * An rnnkit tensor handle on the tfjs backend: it owns exactly one `tf.Tensor` (float32) of the
 * same shape and disposes it when the handle is disposed. Handles are immutable.
 */
export class TfjsTensor implements Tensor {
  readonly backend = 'tfjs';
  readonly shape: Shape;
  /**
   * @internal The wrapped tf.Tensor; null once disposed. (Not named `data`: a handle must not
   * look like core's host tensors, `{ data, shape }`.)
   */
  tensor: TfTensor | null;
  /** @internal The backend instance that made this handle. */
  readonly owner: object;

  constructor(tensor: TfTensor, owner: object) {
    this.tensor = tensor;
    this.shape = Object.freeze([...tensor.shape]);
    this.owner = owner;
  }

  get disposed(): boolean {
    return this.tensor === null;
  }
}
