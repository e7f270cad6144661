import { RnnkitError } from '@rnnkit/core';
import type { QuantizedMatrix } from '@rnnkit/core/backend';
import type { CpuContext } from '../tensor.js';
import { CpuQuantized } from './quantized_impl.js';

/** An int8 weight [N, K] (checked by core) copied and packed for the engine's int8 kernels. */
export function uploadQuantized(ctx: CpuContext, q: QuantizedMatrix): CpuQuantized {
  if (!ctx.wasm) throw new RnnkitError('BACKEND_FAILURE', 'cpu backend: the int8 kernels need the WebAssembly engine', { argument: 'q' });
  return new CpuQuantized(q, ctx.wasm.k.quantGroupK());
}
