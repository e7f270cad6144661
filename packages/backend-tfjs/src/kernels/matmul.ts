import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkFinite, checkRank, shapeError } from '../validate.js';
import { matMul as mm } from './layout_impl.js';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  alpha?: number;
  c?: Tensor;
  /** Scale of `c`; 1 when `c` is given without it (accumulate). */
  beta?: number;
}

/**
 * alpha · op(a) · op(b) + beta · c: a [M, K] (or [K, M] with transposeA), b [K, N] (or [N, K]
 * with transposeB), c [M, N]. One tf.matMul (on wasm a flagged transpose is done explicitly first: faster).
 */
export function matmul(be: TfjsBackend, a: Tensor, b: Tensor, opts: MatmulOptions = {}): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const tb = be.unwrap(b, 'b');
  checkRank('a', a, 2);
  checkRank('b', b, 2);
  const transposeA = opts.transposeA ?? false;
  const transposeB = opts.transposeB ?? false;
  const alpha = opts.alpha === undefined ? 1 : checkFinite('opts.alpha', opts.alpha);
  const [M, K] = transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [Kb, N] = transposeB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (Kb !== K) shapeError('b', `${transposeB ? `[N, ${K}] (transposeB)` : `[${K}, N]`} to match a's inner size ${K}`, b.shape);
  const tc = opts.c === undefined ? undefined : be.unwrap(opts.c, 'opts.c');
  if (opts.c && (opts.c.shape.length !== 2 || opts.c.shape[0] !== M || opts.c.shape[1] !== N)) shapeError('opts.c', `[${M}, ${N}]`, opts.c.shape);
  const beta = opts.beta === undefined ? 1 : checkFinite('opts.beta', opts.beta);
  const tf = be.tf;
  return be.wrap(
    be.run(() => {
      let y = mm(be, ta, tb, transposeA, transposeB);
      if (alpha !== 1) y = tf.mul(y, alpha);
      if (tc && beta !== 0) y = tf.add(y, beta === 1 ? tc : tf.mul(tc, beta));
      return y;
    }),
  );
}
