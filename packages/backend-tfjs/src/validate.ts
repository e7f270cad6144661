import { RnnkitError, describe, formatShape, rowsCols, sizeOf } from '@rnnkit/core';
import type { Shape, Tensor } from '@rnnkit/core';

/** Argument checks shared by the kernels. Every failure names the argument, the expected and the actual. */

export function shapeError(argument: string, expected: string, actual: Shape): never {
  throw new RnnkitError('SHAPE_MISMATCH', `${argument}: expected ${expected}, got ${formatShape(actual)}`, { argument });
}

export function argError(argument: string, expected: string, actual: unknown): never {
  throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected ${expected}, got ${describe(actual)}`, { argument });
}

export function checkShape(argument: string, shape: unknown): Shape {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    argError(argument, 'an array of non-negative integers', shape);
  }
  return shape as Shape;
}

export function checkFinite(argument: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) argError(argument, 'a finite number', v);
  return v;
}

export function checkRank(argument: string, x: Tensor, rank: number): void {
  if (x.shape.length !== rank) shapeError(argument, `a rank-${rank} tensor`, x.shape);
}

/** The 2-D view [rows, cols] of a tensor (leading axes fold into rows; a vector [N] is [1, N]). */
export function view2d(x: Tensor): [number, number] {
  return rowsCols(x.shape);
}

/** The result shape of an op on a tensor of this shape: kept up to rank 2, else its 2-D view. */
export function resultShape(shape: Shape): number[] {
  return shape.length <= 2 ? [...shape] : rowsCols(shape);
}

export function checkSameView(argA: string, a: Tensor, argB: string, b: Tensor): void {
  const [ra, ca] = view2d(a);
  const [rb, cb] = view2d(b);
  if (ra !== rb || ca !== cb) shapeError(argB, `a tensor viewed as [${ra}, ${ca}] like ${argA} ${formatShape(a.shape)}`, b.shape);
}

export function checkSize(argument: string, x: Tensor, size: number, what: string): void {
  if (sizeOf(x.shape) !== size) shapeError(argument, `${size} elements (${what})`, x.shape);
}

export function checkInt(argument: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) argError(argument, `an integer in [${lo}, ${hi}]`, v);
  return v;
}

/** Checks an index array: an Int32Array whose values lie in [0, bound). */
export function checkIndices(argument: string, indices: unknown, bound: number): Int32Array {
  if (!(indices instanceof Int32Array)) argError(argument, 'an Int32Array', indices);
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (v < 0 || v >= bound) argError(`${argument}[${i}]`, `an index in [0, ${bound})`, v);
  }
  return indices;
}
