import type { TfjsContext } from '../context.js';
import type { TfTensor } from '../tf.js';
import { GATHER_ROWS } from '../tfjs_ops/rnnkit_gather_rows.js';
import { SLICE_COLUMNS } from '../tfjs_ops/rnnkit_slice_columns.js';
import { SLICE_ROWS } from '../tfjs_ops/rnnkit_slice_rows.js';

/**
 * Data movement chosen per engine, measured on tfjs 4.22 (B=32, H=128, T=128, Node 20):
 * - wasm and cpu: rnnkit's own copy kernels (tfjs_ops/) for row slices, column blocks and
 *   row gathers. tfjs-wasm's Slice/SplitV copy the whole input out of the heap per slice and its
 *   GatherV2 is slow; tfjs-cpu's column slices walk every element through a TensorBuffer.
 * - wasm: matMul with a transpose flag took ~15× longer than transposing the operand first and
 *   multiplying plainly, so operands are transposed explicitly.
 * - node (libtensorflow): every op is native; the plain tfjs ops are used.
 * All of these run inside the caller's tf.tidy. Float32 tensors only.
 */

const own = (ctx: TfjsContext): boolean => ctx.kind === 'wasm' || ctx.kind === 'cpu';

/** Rows [start, start + count) of x viewed as [rows, ...]. */
export function rows(ctx: TfjsContext, x: TfTensor, start: number, count: number): TfTensor {
  if (own(ctx) && count > 0 && x.size > 0) return ctx.tf.engine().runKernel(SLICE_ROWS, { x }, { start, count }) as TfTensor;
  return ctx.tf.slice(x, start, count);
}

/** The T steps of x [T·B, F] (time-major rows) as T tensors [B, F]. */
export function steps(ctx: TfjsContext, x: TfTensor, T: number, B: number): TfTensor[] {
  if (own(ctx)) return Array.from({ length: T }, (_, t) => rows(ctx, x, t * B, B));
  return ctx.tf.unstack(ctx.tf.reshape(x, [T, B, x.shape[1] as number]));
}

/** Columns of x [M, N] in blocks of the given widths, left to right from column `start`. */
export function columns(ctx: TfjsContext, x: TfTensor, widths: number[], start = 0): TfTensor[] {
  const starts = widths.map((_, j) => start + widths.slice(0, j).reduce((a, b) => a + b, 0));
  if (own(ctx) && widths.every((w) => w > 0) && x.size > 0) return ctx.tf.engine().runKernel(SLICE_COLUMNS, { x }, { starts, widths }) as unknown as TfTensor[];
  const M = x.shape[0] as number;
  return widths.map((w, j) => ctx.tf.slice(x, [0, starts[j]], [M, w]));
}

/** x [B, k·H] split into k column blocks [B, H] (gate blocks). */
export function columnBlocks(ctx: TfjsContext, x: TfTensor, k: number): TfTensor[] {
  const w = (x.shape[1] as number) / k;
  return columns(ctx, x, new Array<number>(k).fill(w));
}

/** out[i] = x[indices[i]] for x viewed as [rows, ...]; indices already checked. */
export function gather(ctx: TfjsContext, x: TfTensor, indices: Int32Array): TfTensor {
  if (own(ctx) && indices.length > 0 && x.size > 0)
    return ctx.tf.engine().runKernel(GATHER_ROWS, { x }, { indices: indices as unknown as number[] }) as TfTensor;
  return ctx.tf.gather(x, ctx.tf.tensor1d(indices, 'int32'), 0);
}

/**
 * op(a) · op(b) with op = transpose when asked. On wasm the transposes are explicit, and aᵀ·b
 * (weight gradients over all steps: a is [T·B, G·H]) is computed as (bᵀ·a)ᵀ when that moves
 * fewer elements.
 */
export function matMul(ctx: TfjsContext, a: TfTensor, b: TfTensor, transposeA = false, transposeB = false): TfTensor {
  const tf = ctx.tf;
  if (ctx.kind !== 'wasm' || (!transposeA && !transposeB)) return tf.matMul(a, b, transposeA, transposeB);
  if (transposeA && !transposeB) {
    const [M, N] = [a.shape[1] as number, b.shape[1] as number];
    if (b.size + M * N < a.size) return tf.transpose(tf.matMul(tf.transpose(b), a));
  }
  return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
}

/** Column sums of x [M, N]: [N]. On wasm a reduction over axis 0 transposes x first; a ones-row matMul doesn't. */
export function columnSums(ctx: TfjsContext, x: TfTensor): TfTensor {
  const tf = ctx.tf;
  const [M, N] = x.shape as [number, number];
  if (ctx.kind === 'wasm' && M > 1) return tf.reshape(tf.matMul(tf.ones([1, M]), x), [N]);
  return tf.sum(x, 0);
}
