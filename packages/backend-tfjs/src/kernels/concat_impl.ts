import { formatShape } from '@rnnkit/core';
import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import type { TfTensor } from '../tf.js';
import { argError, shapeError, view2d } from '../validate.js';

/** Joins 2-D views along `axis` (0: rows, 1: columns); the other extent must agree. */
export function concat2d(be: TfjsBackend, parts: readonly Tensor[], axis: 0 | 1): TfjsTensor {
  if (!Array.isArray(parts) || parts.length === 0) argError('parts', 'a non-empty array of tensors', parts);
  const ts: TfTensor[] = parts.map((p, i) => be.unwrap(p, `parts[${i}]`));
  const views = parts.map((p) => view2d(p));
  const other = 1 - axis;
  const fixed = views[0][other];
  views.forEach((v, i) => {
    if (v[other] !== fixed) {
      const what = axis === 0 ? `${fixed} columns` : `${fixed} rows`;
      shapeError(`parts[${i}]`, `${what} like parts[0] ${formatShape(parts[0].shape)}`, parts[i].shape);
    }
  });
  const tf = be.tf;
  return be.wrap(be.run(() => (ts.length === 1 ? tf.reshape(ts[0], views[0]) : tf.concat(ts.map((t, i) => tf.reshape(t, views[i])), axis))));
}
