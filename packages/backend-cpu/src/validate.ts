import { RnnkitError, formatShape, rowsCols, sizeOf } from '@rnnkit/core';
import type { Shape } from '@rnnkit/core';
import type { CpuData } from './tensor.js';

/** Throws SHAPE_MISMATCH naming the op, the argument, and the expected and actual shapes. */
export function shapeError(op: string, argument: string, expected: string, actual: Shape): never {
  throw new RnnkitError('SHAPE_MISMATCH', `${op}: ${argument}: expected shape ${expected}, got ${formatShape(actual)}`, { argument });
}

export function invalid(op: string, argument: string, expected: string, actual: unknown): never {
  const got = typeof actual === 'number' || typeof actual === 'string' ? String(actual) : JSON.stringify(actual);
  throw new RnnkitError('INVALID_ARGUMENT', `${op}: ${argument}: expected ${expected}, got ${got}`, { argument });
}

/** A shape is a list of non-negative integers. Returns a frozen copy. */
export function checkShape(op: string, argument: string, shape: Shape): Shape {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    invalid(op, argument, 'a list of non-negative integers', shape);
  }
  return Object.freeze([...shape]);
}

/** Requires rank 2 and returns [rows, cols]. */
export function check2d(op: string, argument: string, x: CpuData): [number, number] {
  if (x.shape.length !== 2) shapeError(op, argument, '[rows, cols] (rank 2)', x.shape);
  return [x.shape[0], x.shape[1]];
}

/** Requires exactly `expected`. */
export function checkExact(op: string, argument: string, x: CpuData, expected: Shape): void {
  const s = x.shape;
  if (s.length !== expected.length || s.some((d, i) => d !== expected[i])) shapeError(op, argument, formatShape(expected), s);
}

/** Elementwise binary ops: both sides must view as the same [rows, cols]. */
export function checkSame2d(op: string, a: CpuData, b: CpuData, aName = 'a', bName = 'b'): void {
  const [ra, ca] = rowsCols(a.shape);
  const [rb, cb] = rowsCols(b.shape);
  if (ra !== rb || ca !== cb || sizeOf(a.shape) !== sizeOf(b.shape)) {
    shapeError(op, bName, `${formatShape(a.shape)} (the shape of ${aName})`, b.shape);
  }
}

/** Requires a non-negative integer no larger than `max`. */
export function checkIndex(op: string, argument: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) invalid(op, argument, `an integer in [0, ${max}]`, v);
}

/** A vector of n elements: [n], or [1, n] / [n, 1]. */
export function checkVector(op: string, argument: string, v: CpuData, n: number): void {
  const s = v.shape;
  const ok = (s.length === 1 && s[0] === n) || (s.length === 2 && ((s[0] === 1 && s[1] === n) || (s[0] === n && s[1] === 1)));
  if (!ok) shapeError(op, argument, `[${n}]`, s);
}

/** Row indices into a tensor of `rows` rows: an Int32Array with every value in [0, rows). */
export function checkRowIndices(op: string, argument: string, indices: Int32Array, rows: number): void {
  if (!(indices instanceof Int32Array)) invalid(op, argument, 'an Int32Array', Object.prototype.toString.call(indices));
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (r < 0 || r >= rows) invalid(op, `${argument}[${i}]`, `a row index in [0, ${rows})`, r);
  }
}
