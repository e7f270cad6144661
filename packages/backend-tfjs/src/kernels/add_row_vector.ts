import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkSize, view2d } from '../validate.js';

/** a [M, N] + v [N] on every row (a tfjs broadcast add). */
export function addRowVector(be: TfjsBackend, a: Tensor, v: Tensor): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const tv = be.unwrap(v, 'v');
  const [M, N] = view2d(a);
  checkSize('v', v, N, `one per column of a [${M}, ${N}]`);
  const tf = be.tf;
  return be.wrap(be.run(() => tf.add(tf.reshape(ta, [M, N]), tf.reshape(tv, [N]))));
}
