import { type CpuContext, CpuTensor } from '../tensor.js';
import { squaredErrorGradWasm, WASM_ELEMENTWISE_MIN, wasmFits } from '../wasm/elementwise.js';

/**
 * The MSE loss's pass in one: Σ (o − t)² → [1] (in double) and grad = (o − t) · gradScale, each
 * difference rounded to float32 first: what sub, sumSquares and affine(·, gradScale, 0) give.
 * o and t view as the same [rows, cols]; grad keeps o's shape. Large tensors run on the SIMD
 * kernels when the engine has them (bit-identical to sub, sumSquares and affine there).
 */
export function squaredErrorGrad(ctx: CpuContext, o: CpuTensor, t: CpuTensor, gradScale: number): { sumSquares: CpuTensor; grad: CpuTensor } {
  if (ctx.wasm && o.data.length >= WASM_ELEMENTWISE_MIN && wasmFits(ctx.wasm, o.data.length * 12)) {
    const r = squaredErrorGradWasm(ctx.wasm, o.data, t.data, gradScale);
    return { sumSquares: new CpuTensor(Float32Array.of(r.sum), [1]), grad: new CpuTensor(r.grad, o.shape) };
  }
  const x = o.data;
  const y = t.data;
  const n = x.length;
  const grad = new Float32Array(n);
  const diff = new Float32Array(1);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    diff[0] = x[i] - y[i]; // the float32 difference, as sub stores it
    const d = diff[0];
    sum += d * d;
    grad[i] = d * gradScale + 0;
  }
  return { sumSquares: new CpuTensor(Float32Array.of(sum), [1]), grad: new CpuTensor(grad, o.shape) };
}
