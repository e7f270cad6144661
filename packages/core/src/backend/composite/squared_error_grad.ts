import type { Tensor } from '../../tensor.js';
import type { Backend } from '../backend.js';
import { Scope } from '../scope.js';

/**
 * The MSE loss's pass from primitives: diff = output − target, sumSquares = Σ diff² [1],
 * grad = gradScale · diff (output's shape). The fused kernel gives the same numbers in one pass.
 */
export function compositeSquaredErrorGrad(
  be: Backend,
  output: Tensor,
  target: Tensor,
  gradScale: number,
): {
  /** Σ (output − target)², [1]. */
  sumSquares: Tensor;
  /** gradScale · (output − target), output's shape. */
  grad: Tensor;
} {
  const s = new Scope(be);
  try {
    const diff = s.t(be.sub(output, target));
    const sumSquares = s.t(be.sumSquares(diff));
    const grad = be.affine(diff, gradScale, 0);
    s.release(sumSquares);
    return { sumSquares, grad };
  } finally {
    s.dispose();
  }
}
