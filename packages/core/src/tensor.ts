import { checkShapeList, describe, RnnkitError } from './errors.js';
/** A shape is a list of non-negative integer extents, outermost first. */
export type Shape = readonly number[];

/**
 * A backend-owned handle to float32 data. Core never looks inside: each backend extends this
 * with its own storage (a Float32Array, a GPUBuffer, a tf.Tensor). Handles are immutable once
 * made — primitives never write into their inputs — and must be released with `backend.dispose`.
 */
export interface Tensor {
  /** Extents, outermost first (e.g. [B, T, D]). */
  readonly shape: Shape;
  /** Name of the backend that owns the handle (`cpu`, `webgpu`, `tfjs`, …). */
  readonly backend: string;
}

/** Host-side float32 data with a shape: what users pass in and what `read` gives back. */
export interface HostTensor {
  /** The values, row-major (last axis fastest); `data.length` is the product of `shape`. */
  readonly data: Float32Array;
  /** Extent of each axis, e.g. `[B, T, F]`; `[]` for a scalar. */
  readonly shape: Shape;
}

/** Number of elements of a tensor of this shape (the product of its extents; 1 for `[]`). Throws INVALID_ARGUMENT when `shape` is not a list. */
export function sizeOf(shape: Shape): number {
  if (shape === null || typeof shape !== 'object' || typeof shape.length !== 'number')
    throw new RnnkitError('INVALID_ARGUMENT', `shape: expected a list of extents, got ${describe(shape)}`, { argument: 'shape' });
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Rows and columns of a tensor viewed as 2-D: all leading axes fold into rows. */
export function rowsCols(shape: Shape): [rows: number, cols: number] {
  if (shape.length === 0) return [1, 1];
  const cols = shape[shape.length - 1];
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i]; // [M, 0] is M rows of nothing
  return [rows, cols];
}

/** True when both shapes have the same extents in the same order; false (never a throw) for anything that is not a list. */
export function shapeEquals(a: Shape, b: Shape): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || typeof a.length !== 'number' || typeof b.length !== 'number') return false;
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A shape as text for messages: `[2, 3, 4]`. */
export function formatShape(shape: Shape): string {
  if (shape === null || typeof shape !== 'object' || typeof shape.length !== 'number') return describe(shape);
  return `[${Array.prototype.join.call(shape, ', ')}]`;
}

/** A `HostTensor` from float32 data or an array of numbers (copied to a Float32Array) and its shape. Throws INVALID_ARGUMENT for a bad shape or a non-number value, SHAPE_MISMATCH when `data.length` is not the shape's size. */
export function hostTensor(data: Float32Array | ArrayLike<number>, shape: Shape): HostTensor {
  checkShapeList(shape);
  if (data === null || typeof data !== 'object' || typeof (data as ArrayLike<number>).length !== 'number') {
    throw new RnnkitError('INVALID_ARGUMENT', `data: expected a Float32Array or an array of numbers, got ${describe(data)}`, { argument: 'data' });
  }
  if (!(data instanceof Float32Array)) {
    for (let i = 0; i < data.length; i++)
      if (typeof data[i] !== 'number')
        throw new RnnkitError('INVALID_ARGUMENT', `data[${i}]: expected a number, got ${describe(data[i])}`, { argument: `data[${i}]` });
  }
  if (data.length !== sizeOf(shape))
    throw new RnnkitError('SHAPE_MISMATCH', `data: expected ${sizeOf(shape)} values for shape ${formatShape(shape)}, got ${data.length}`, { argument: 'data' });
  const f = data instanceof Float32Array ? data : Float32Array.from(data);
  return { data: f, shape: [...shape] };
}
