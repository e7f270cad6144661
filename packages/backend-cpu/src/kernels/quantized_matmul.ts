import { RnnkitError } from '@rnnkit/core';
import type { QuantizedMatmulArgs } from '@rnnkit/core/backend';
import { quantizedMatmulHost } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';
import { wasmFits } from '../wasm/elementwise.js';
import { quantizedMatmulBytes, quantizedMatmulWasm } from '../wasm/quantized_gemm.js';
import type { CpuQuantized } from './quantized_impl.js';

/**
 * y [M, N] = dequant(q(x) · Wqᵀ) + bias on the engine's int8 kernels: bit for bit core's
 * `quantizedMatmulHost` (the scheme in core's composite/int8_impl.ts), which runs instead when the
 * operands don't fit the kernels' memory. x [M, K], weight [N, K].
 */
export function quantizedMatmul(ctx: CpuContext, a: QuantizedMatmulArgs<CpuTensor, CpuQuantized>): CpuTensor {
  const w = ctx.wasm;
  if (!w) throw new RnnkitError('BACKEND_FAILURE', 'cpu backend: the int8 kernels need the WebAssembly engine', { argument: 'x' });
  const [N, K] = a.weight.shape;
  const M = a.x.shape[0];
  const p = a.weight.packed(0, N);
  const bytes = quantizedMatmulBytes(w, M, N, K, p, !!a.bias).reduce((s, b) => s + b + 64, 0);
  const y = wasmFits(w, bytes)
    ? quantizedMatmulWasm(w, a.x.data, M, p, a.bias?.data, K)
    : quantizedMatmulHost(a.x.data, M, a.weight.host(), p.rowsum, a.bias?.data);
  return new CpuTensor(y, [M, N]);
}
