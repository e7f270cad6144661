import { type CpuContext, CpuTensor } from '../tensor.js';
import { sumSquaresWasm, WASM_ELEMENTWISE_MIN, wasmFits } from '../wasm/elementwise.js';

/**
 * Σ a² over all elements → [1] (gradient norms), accumulated in double. Large tensors run on the
 * SIMD kernels when the engine has them (two double lanes: the sum may differ in its last bits).
 */
export function sumSquares(ctx: CpuContext, a: CpuTensor): CpuTensor {
  const x = a.data;
  if (ctx.wasm && x.length >= WASM_ELEMENTWISE_MIN && wasmFits(ctx.wasm, x.length * 4)) return new CpuTensor(Float32Array.of(sumSquaresWasm(ctx.wasm, x)), [1]);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return new CpuTensor(Float32Array.of(s), [1]);
}
