import { type CpuContext, CpuTensor } from '../tensor.js';
import { binaryWasm, WASM_ELEMENTWISE_MIN, wasmFits } from '../wasm/elementwise.js';

/**
 * a · b, elementwise; a and b view as the same [rows, cols]. Keeps a's shape. Large tensors run
 * on the SIMD kernels when the engine has them (the same result).
 */
export function mul(ctx: CpuContext, a: CpuTensor, b: CpuTensor): CpuTensor {
  if (ctx.wasm && a.data.length >= WASM_ELEMENTWISE_MIN && wasmFits(ctx.wasm, a.data.length * 12))
    return new CpuTensor(binaryWasm(ctx.wasm, 'mul', a.data, b.data), a.shape);
  const x = a.data;
  const y = b.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
  return new CpuTensor(out, a.shape);
}
