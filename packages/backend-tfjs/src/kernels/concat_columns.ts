import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { concat2d } from './concat_impl.js';

/** Joins [M, N_i] tensors side by side: [M, Σ N_i]. */
export function concatColumns(be: TfjsBackend, parts: readonly Tensor[]): TfjsTensor {
  return concat2d(be, parts, 1);
}
