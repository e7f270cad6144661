import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkFinite } from '../validate.js';
import { unary } from './elementwise_impl.js';

/** a · s + t, elementwise; affine(a, 1, 0) is a copy. */
export function affine(be: TfjsBackend, a: Tensor, s: number, t: number): TfjsTensor {
  checkFinite('s', s);
  checkFinite('t', t);
  const tf = be.tf;
  return unary(be, a, (x) => {
    let y = s === 1 ? x : tf.mul(x, s);
    if (t !== 0) y = tf.add(y, t);
    return y === x ? tf.clone(x) : y;
  });
}
