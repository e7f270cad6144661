import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { view2d } from '../validate.js';

/** Row-wise softmax of [N, C]. */
export function softmax(be: TfjsBackend, a: Tensor): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const [N, C] = view2d(a);
  const tf = be.tf;
  return be.wrap(be.run(() => tf.softmax(tf.reshape(ta, [N, C]), -1)));
}
