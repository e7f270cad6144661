import type { Shape } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { argError, checkShape } from '../validate.js';

export function fill(be: TfjsBackend, shape: Shape, value: number): TfjsTensor {
  checkShape('shape', shape);
  if (typeof value !== 'number') argError('value', 'a number', value);
  return be.wrap(be.run(() => be.tf.fill([...shape], value, 'float32')));
}
