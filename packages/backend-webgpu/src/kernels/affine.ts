import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkFinite } from '../validate.js';
import { runUnary, unaryKernel } from './common.js';

const def = unaryKernel('affine', 'x * P.s + P.t');

/** a · s + t, elementwise. */
export function affine(be: WebgpuBackend, a: Tensor, s: number, t: number): WebgpuTensor {
  return runUnary(be, def, 'affine', a, checkFinite('affine', 's', s), checkFinite('affine', 't', t));
}
