import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { HostEngine } from './host_impl.js';
import { hostStorage, rowView } from './host_impl.js';

/**
 * out[i] = x[indices[i]] for a float32 tensor viewed as [rows, ...], the indices given as an
 * attribute (already checked on the host) so no index tensor is uploaded. tfjs-wasm's GatherV2
 * took ~1.2 ms for 32 rows of 512; core's layout changes (batch-first ↔ time-major, time
 * reversal) gather every row of a layer's input.
 */
export const GATHER_ROWS = 'RnnkitGatherRows';

export function gatherRowsKernel(engine: HostEngine): KernelConfig {
  return {
    kernelName: GATHER_ROWS,
    backendName: engine,
    kernelFunc: ({ inputs, attrs, backend }: { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown }): TensorInfo => {
      const x = inputs.x as TensorInfo;
      const { indices } = attrs as unknown as { indices: Int32Array };
      const io = hostStorage(engine, backend);
      const [, n] = rowView(x);
      const out = io.allocate([indices.length, ...x.shape.slice(1)]);
      const src = io.view(x);
      const dst = io.view(out);
      for (let i = 0; i < indices.length; i++) dst.set(src.subarray(indices[i] * n, indices[i] * n + n), i * n);
      return out;
    },
  } as KernelConfig;
}
