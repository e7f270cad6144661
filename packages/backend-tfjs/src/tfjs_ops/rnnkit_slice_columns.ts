import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { HostEngine } from './host_impl.js';
import { hostStorage } from './host_impl.js';

/**
 * Column blocks of a float32 matrix x [M, N]: output j is columns [starts[j], starts[j] + widths[j]),
 * [M, widths[j]]. Gate blocks every step: tfjs-wasm's SplitV slices each block out of a full
 * copy of its input, and tfjs-cpu's walks every element through a TensorBuffer.
 */
export const SLICE_COLUMNS = 'RnnkitSliceColumns';

export function sliceColumnsKernel(engine: HostEngine): KernelConfig {
  return {
    kernelName: SLICE_COLUMNS,
    backendName: engine,
    kernelFunc: ({ inputs, attrs, backend }: { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown }): TensorInfo[] => {
      const x = inputs.x as TensorInfo;
      const { starts, widths } = attrs as unknown as { starts: number[]; widths: number[] };
      const [M, N] = x.shape as [number, number];
      const io = hostStorage(engine, backend);
      const outs = widths.map((w) => io.allocate([M, w]));
      const src = io.view(x);
      outs.forEach((o, j) => {
        const dst = io.view(o);
        const [s, w] = [starts[j], widths[j]];
        for (let m = 0; m < M; m++) dst.set(src.subarray(m * N + s, m * N + s + w), m * w);
      });
      return outs;
    },
  } as KernelConfig;
}
