import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkIndices, view2d } from '../validate.js';
import { gather } from './layout_impl.js';

/** out[i] = a[indices[i]]: [indices.length, N] (embeddings, time reversal, layout changes). */
export function gatherRows(be: TfjsBackend, a: Tensor, indices: Int32Array): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const [M, N] = view2d(a);
  checkIndices('indices', indices, M);
  const tf = be.tf;
  return be.wrap(be.run(() => gather(be, tf.reshape(ta, [M, N]), indices)));
}
