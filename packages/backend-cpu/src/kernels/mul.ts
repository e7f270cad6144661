import type { CpuData } from '../tensor.js';
import { checkSame2d } from '../validate.js';
import { WASM_ELEMENTWISE_MIN, binaryWasm } from '../wasm/elementwise.js';
import type { WasmKernels } from '../wasm/load.js';

/**
 * a · b, elementwise; a and b view as the same [rows, cols]. Keeps a's shape. Large tensors run
 * on the SIMD kernels when given (the same result).
 */
export function mul(a: CpuData, b: CpuData, wasm?: WasmKernels): CpuData {
  checkSame2d('mul', a, b);
  if (wasm && a.data.length >= WASM_ELEMENTWISE_MIN) return { data: binaryWasm(wasm, 'mul', a.data, b.data), shape: a.shape };
  const x = a.data;
  const y = b.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
  return { data: out, shape: a.shape };
}
