/** A shape is a list of non-negative integer extents, outermost first. */
export type Shape = readonly number[];

/**
 * A backend-owned handle to float32 data. Core never looks inside: each backend extends this
 * with its own storage (a Float32Array, a GPUBuffer, a tf.Tensor). Handles are immutable once
 * made — primitives never write into their inputs — and must be released with `backend.dispose`.
 */
export interface Tensor {
  readonly shape: Shape;
  /** Name of the backend that owns the handle (`cpu`, `webgpu`, `tfjs`, …). */
  readonly backend: string;
}

/** Host-side float32 data with a shape: what users pass in and what `read` gives back. */
export interface HostTensor {
  readonly data: Float32Array;
  readonly shape: Shape;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Rows and columns of a tensor viewed as 2-D: all leading axes fold into rows. */
export function rowsCols(shape: Shape): [rows: number, cols: number] {
  if (shape.length === 0) return [1, 1];
  const cols = shape[shape.length - 1];
  return [sizeOf(shape) / (cols || 1) || 0, cols];
}

export function shapeEquals(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function hostTensor(data: Float32Array | ArrayLike<number>, shape: Shape): HostTensor {
  const f = data instanceof Float32Array ? data : Float32Array.from(data);
  return { data: f, shape: [...shape] };
}
