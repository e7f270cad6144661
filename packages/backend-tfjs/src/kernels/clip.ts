import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { argError } from '../validate.js';
import { unary } from './elementwise_impl.js';

/** Clamps into [lo, hi]; lo may be -Infinity and hi +Infinity. */
export function clip(be: TfjsBackend, a: Tensor, lo: number, hi: number): TfjsTensor {
  if (typeof lo !== 'number' || Number.isNaN(lo)) argError('lo', 'a number', lo);
  if (typeof hi !== 'number' || Number.isNaN(hi)) argError('hi', 'a number', hi);
  if (lo > hi) argError('hi', `a number ≥ lo (${lo})`, hi);
  return unary(be, a, (x) => be.tf.clipByValue(x, lo, hi));
}
