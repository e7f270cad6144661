import type { CpuData } from '../tensor.js';
import { WASM_ELEMENTWISE_MIN, affineWasm } from '../wasm/elementwise.js';
import type { WasmKernels } from '../wasm/load.js';

/**
 * a · s + t, elementwise, in double rounded once. Keeps a's shape. Large tensors run on the SIMD
 * kernels when given (the same result).
 */
export function affine(a: CpuData, s: number, t: number, wasm?: WasmKernels): CpuData {
  const x = a.data;
  if (wasm && x.length >= WASM_ELEMENTWISE_MIN) return { data: affineWasm(wasm, x, s, t), shape: a.shape };
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] * s + t;
  return { data: out, shape: a.shape };
}
