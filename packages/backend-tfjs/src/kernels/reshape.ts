import { formatShape, sizeOf } from '@rnnkit/core';
import type { Shape, Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkShape, shapeError } from '../validate.js';

/** Same data, another shape of the same size: a tfjs reshape shares the data buffer. */
export function reshape(be: TfjsBackend, x: Tensor, shape: Shape): TfjsTensor {
  const t = be.unwrap(x, 'x');
  checkShape('shape', shape);
  if (sizeOf(shape) !== sizeOf(x.shape)) shapeError('shape', `a shape of ${sizeOf(x.shape)} elements like x ${formatShape(x.shape)}`, shape);
  return be.wrap(be.run(() => be.tf.reshape(t, [...shape])));
}
