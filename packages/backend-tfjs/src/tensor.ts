import type { Shape, Tensor } from '@rnnkit/core';
import type { TfTensor } from './tf.js';

/**
 * An rnnkit tensor handle on the tfjs backend: it owns exactly one `tf.Tensor` (float32) of the
 * same shape and disposes it when the handle is disposed. Handles are immutable.
 */
export class TfjsTensor implements Tensor {
  readonly backend = 'tfjs';
  readonly shape: Shape;
  /** @internal The wrapped tf.Tensor; null once disposed. */
  data: TfTensor | null;
  /** @internal The backend instance that made this handle. */
  readonly owner: object;

  constructor(data: TfTensor, owner: object) {
    this.data = data;
    this.shape = Object.freeze([...data.shape]);
    this.owner = owner;
  }

  get disposed(): boolean {
    return this.data === null;
  }
}
