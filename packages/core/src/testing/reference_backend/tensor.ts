import type { Shape, Tensor } from '../../tensor.js';
import { rowsCols } from '../../tensor.js';

/** The reference backend's tensor: a Float32Array in this thread, never written after it is made. */
export interface RefTensor extends Tensor {
  readonly backend: 'reference';
  /** The elements, row-major; its length is the size of `shape`. */
  readonly data: Float32Array;
}

/** Wraps data (not copied) with a frozen copy of shape as a reference-backend tensor. */
export function refTensor(data: Float32Array, shape: Shape): RefTensor {
  return { backend: 'reference', data, shape: Object.freeze([...shape]) };
}

/** The kernel context: the reference backend shares nothing between kernels. */
export type RefContext = Record<string, never>;

/** Result shape of a unary or elementwise op: the input's. Row and column ops give 2-D results. */
export function view2d(a: RefTensor): [rows: number, cols: number] {
  return rowsCols(a.shape);
}

/** Applies f to every element, keeping the shape. */
export function mapElements(a: RefTensor, f: (v: number) => number): RefTensor {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]);
  return refTensor(out, a.shape);
}

/** Applies f to matching elements of a and b (same 2-D view), keeping a's shape. */
export function zipElements(a: RefTensor, b: RefTensor, f: (x: number, y: number) => number): RefTensor {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i], b.data[i]);
  return refTensor(out, a.shape);
}
