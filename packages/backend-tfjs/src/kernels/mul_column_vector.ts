import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkSize, view2d } from '../validate.js';

/** a [M, N] with row m scaled by v[m]: v [M] broadcast as a column [M, 1]. */
export function mulColumnVector(be: TfjsBackend, a: Tensor, v: Tensor): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const tv = be.unwrap(v, 'v');
  const [M, N] = view2d(a);
  checkSize('v', v, M, `one per row of a [${M}, ${N}]`);
  const tf = be.tf;
  return be.wrap(be.run(() => tf.mul(tf.reshape(ta, [M, N]), tf.reshape(tv, [M, 1]))));
}
