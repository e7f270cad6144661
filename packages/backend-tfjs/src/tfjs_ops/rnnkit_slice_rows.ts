import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { HostEngine } from './host_impl.js';
import { hostStorage, rowView } from './host_impl.js';

/**
 * Rows [start, start + count) of a float32 tensor viewed as [rows, ...]: one copy of the rows.
 * tfjs-wasm's own Slice first copies its whole input out of the heap, so step t of a
 * [T·B, G·H] projection cost O(T·B·G·H) per step; this costs O(B·G·H).
 */
export const SLICE_ROWS = 'RnnkitSliceRows';

export function sliceRowsKernel(engine: HostEngine): KernelConfig {
  return {
    kernelName: SLICE_ROWS,
    backendName: engine,
    kernelFunc: ({ inputs, attrs, backend }: { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown }): TensorInfo => {
      const x = inputs.x as TensorInfo;
      const { start, count } = attrs as unknown as { start: number; count: number };
      const io = hostStorage(engine, backend);
      const [, rowSize] = rowView(x);
      const out = io.allocate([count, ...x.shape.slice(1)]);
      io.view(out).set(io.view(x).subarray(start * rowSize, (start + count) * rowSize));
      return out;
    },
  } as KernelConfig;
}
