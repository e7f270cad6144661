import type { CpuData } from '../tensor.js';
import { WASM_ELEMENTWISE_MIN, sumSquaresWasm } from '../wasm/elementwise.js';
import type { WasmKernels } from '../wasm/load.js';

/**
 * Σ a² over all elements → [1] (gradient norms), accumulated in double. Large tensors run on the
 * SIMD kernels when given (two double lanes: the sum may differ in its last bits).
 */
export function sumSquares(a: CpuData, wasm?: WasmKernels): CpuData {
  const x = a.data;
  if (wasm && x.length >= WASM_ELEMENTWISE_MIN) return { data: Float32Array.of(sumSquaresWasm(wasm, x)), shape: [1] };
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return { data: Float32Array.of(s), shape: [1] };
}
