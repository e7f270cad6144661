import { RnnkitError } from '@rnnkit/core';
import type { QuantizedRecurrentForwardArgs, RecurrentForwardResult } from '@rnnkit/core/backend';
import type { CpuContext, CpuTensor } from '../tensor.js';
import { quantizedRecurrentForwardWasm } from '../wasm/quantized_recurrent_forward.js';
import type { CpuQuantized } from './quantized_impl.js';

/**
 * Inference-only recurrent forward of one layer-direction with int8 W_ih [G·H, D] and W_hh
 * [G·H, H], on the engine's int8 kernels (src/wasm/quantized_recurrent_forward.ts): every
 * pre-activation is quantizedMatmul(x_t, W_ih, b_ih) + quantizedMatmul(h, W_hh, b_hh), as core's
 * composite states it, then the fused float gate math of `recurrentForward`. Takes batch-first x.
 */
export function quantizedRecurrentForward(ctx: CpuContext, a: QuantizedRecurrentForwardArgs<CpuTensor, CpuQuantized>): RecurrentForwardResult<CpuTensor> {
  if (!ctx.wasm) throw new RnnkitError('BACKEND_FAILURE', 'cpu backend: the int8 kernels need the WebAssembly engine', { argument: 'x' });
  return quantizedRecurrentForwardWasm(ctx.wasm, a);
}
