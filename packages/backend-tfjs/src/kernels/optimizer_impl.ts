import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfTensor } from '../tf.js';
import { argError, checkFinite, checkSameView } from '../validate.js';

/** Unwraps an optimizer operand after checking it has the parameter's 2-D view; reshaped to the parameter's shape. */
export function operand(be: TfjsBackend, param: Tensor, x: Tensor, argument: string): TfTensor {
  const t = be.unwrap(x, argument);
  checkSameView('param', param, argument, x);
  return t;
}

export function hyper(argument: string, v: unknown, lo = -Infinity, hi = Infinity): number {
  const n = checkFinite(argument, v);
  if (n < lo || n > hi) argError(argument, `a number in [${lo}, ${hi}]`, n);
  return n;
}
