import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { view2d } from '../validate.js';
import { columnSums } from './layout_impl.js';

/** Column sums of a [M, N]: [N] (bias gradients). */
export function sumRows(be: TfjsBackend, a: Tensor): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const [M, N] = view2d(a);
  const tf = be.tf;
  return be.wrap(be.run(() => columnSums(be, tf.reshape(ta, [M, N]))));
}
