import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkFinite } from '../validate.js';
import { runUnary, unaryKernel } from './common.js';

const def = unaryKernel('clip', 'min(max(x, P.s), P.t)');

/** Clamps into [lo, hi]. */
export function clip(be: WebgpuBackend, a: Tensor, lo: number, hi: number): WebgpuTensor {
  return runUnary(be, def, 'clip', a, checkFinite('clip', 'lo', lo), checkFinite('clip', 'hi', hi));
}
