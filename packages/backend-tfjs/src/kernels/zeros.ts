import type { Shape } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkShape } from '../validate.js';

export function zeros(be: TfjsBackend, shape: Shape): TfjsTensor {
  checkShape('shape', shape);
  return be.wrap(be.run(() => be.tf.zeros([...shape], 'float32')));
}
