import type { Tensor } from '../../tensor.js';
import type { Backend, QuantizedMatmulArgs } from '../backend.js';
import { quantizedMatmulHost } from './int8_impl.js';
import type { CompositeQuantized } from './quantized_weight.js';

/**
 * Core's int8 product for a backend without int8 kernels. With `readSync` (host-visible memory)
 * it runs the exact integer scheme (`quantizedMatmulHost`) on the host, so its numbers are those
 * of a native kernel; without, it multiplies by the float32 weights dequantized once
 * (`info().quantized` is then `dequantized`: activations are not quantized).
 * x [M, K] · weight [N, K]ᵀ + bias [N] → [M, N].
 */
export function compositeQuantizedMatmul(
  be: Backend,
  a: QuantizedMatmulArgs<Tensor, CompositeQuantized>,
  readSync: ((x: Tensor) => Float32Array) | undefined,
): Tensor {
  const w = a.weight;
  if (readSync) {
    const M = a.x.shape[0];
    const y = quantizedMatmulHost(readSync(a.x), M, w.host, w.rowSums, a.bias ? readSync(a.bias) : undefined);
    return be.upload(y, [M, w.shape[0]]);
  }
  const p = be.matmul(a.x, w.dequantized(be), { transposeB: true });
  if (!a.bias) return p;
  try {
    return be.addRowVector(p, a.bias);
  } finally {
    be.dispose(p);
  }
}
