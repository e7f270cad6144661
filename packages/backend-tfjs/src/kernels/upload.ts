import { sizeOf } from '@rnnkit/core';
import type { Shape } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { argError, checkShape } from '../validate.js';

/** Host float32 data → a new tensor. The data is copied: later writes to `data` don't reach it. */
export function upload(be: TfjsBackend, data: Float32Array, shape: Shape): TfjsTensor {
  checkShape('shape', shape);
  if (!(data instanceof Float32Array)) argError('data', 'a Float32Array', data);
  if (data.length !== sizeOf(shape)) argError('data', `${sizeOf(shape)} values for shape [${shape.join(', ')}]`, data);
  // tfjs-backend-cpu keeps the array it is given, so give it a copy (wasm and node copy anyway).
  const values = be.engineKind === 'cpu' ? data.slice() : data;
  return be.wrap(be.run(() => be.tf.tensor(values, [...shape], 'float32')));
}
