import type { Shape, Tensor } from '@rnnkit/core';
import { RnnkitError, formatShape, rowsCols, shapeEquals, sizeOf } from '@rnnkit/core';

export function checkShape(op: string, argument: string, shape: unknown): Shape {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${op}: ${argument}: expected an array of non-negative integers, got ${JSON.stringify(shape)}`, { argument });
  }
  return shape;
}

/** Elementwise operands: the same 2-D view [rows, cols] (the result takes a's shape). */
export function sameShape(op: string, a: Tensor, b: Tensor, aName = 'a', bName = 'b'): void {
  const [ra, ca] = rowsCols(a.shape);
  const [rb, cb] = rowsCols(b.shape);
  if (!shapeEquals(a.shape, b.shape) && (ra !== rb || ca !== cb || sizeOf(a.shape) !== sizeOf(b.shape))) {
    throw new RnnkitError('SHAPE_MISMATCH', `${op}: ${bName}: expected shape ${formatShape(a.shape)} (the shape of ${aName}), got ${formatShape(b.shape)}`, { argument: bName });
  }
}

export function rank(op: string, argument: string, x: Tensor, r: number): void {
  if (x.shape.length !== r) {
    throw new RnnkitError('SHAPE_MISMATCH', `${op}: ${argument}: expected rank ${r}, got shape ${formatShape(x.shape)}`, { argument });
  }
}

/** The 2-D view [rows, cols] of a tensor (leading axes folded into rows). */
export function view2d(x: Tensor): [number, number] {
  return rowsCols(x.shape);
}

export function checkInt(op: string, argument: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new RnnkitError('INVALID_ARGUMENT', `${op}: ${argument}: expected an integer in [${lo}, ${hi}], got ${String(v)}`, { argument });
  }
  return v;
}

export function checkFinite(op: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${op}: ${argument}: expected a number, got ${String(v)}`, { argument });
  }
  return v;
}

export function checkIndices(op: string, argument: string, idx: unknown, limit: number, allowed?: number): Int32Array {
  if (!(idx instanceof Int32Array)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${op}: ${argument}: expected an Int32Array`, { argument });
  }
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if ((v < 0 || v >= limit) && v !== allowed) {
      throw new RnnkitError('INVALID_ARGUMENT', `${op}: ${argument}[${i}]: expected an index in [0, ${limit}), got ${v}`, { argument: `${argument}[${i}]` });
    }
  }
  return idx;
}

export { sizeOf };
