import { type CpuContext, CpuTensor } from '../tensor.js';
import { affineWasm, WASM_ELEMENTWISE_MIN, wasmFits } from '../wasm/elementwise.js';

/**
 * a · s + t, elementwise, in double rounded once. Keeps a's shape. Large tensors run on the SIMD
 * kernels when the engine has them (the same result).
 */
export function affine(ctx: CpuContext, a: CpuTensor, s: number, t: number): CpuTensor {
  const x = a.data;
  if (ctx.wasm && x.length >= WASM_ELEMENTWISE_MIN && wasmFits(ctx.wasm, x.length * 8)) return new CpuTensor(affineWasm(ctx.wasm, x, s, t), a.shape);
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] * s + t;
  return new CpuTensor(out, a.shape);
}
