import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { concat2d } from './concat_impl.js';

/** Stacks [M_i, N] tensors: [Σ M_i, N]. */
export function concatRows(be: TfjsBackend, parts: readonly Tensor[]): TfjsTensor {
  return concat2d(be, parts, 0);
}
