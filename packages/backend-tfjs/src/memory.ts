import type { MemoryKernels } from '@rnnkit/core/backend';
import type { TfjsContext } from './context.js';
import type { TfjsTensor } from './tensor.js';
import { release, runOne, tfOf } from './tensor.js';

/** How tfjs tensors are made, read and released; every one owns its own tf.Tensor. */
export const tfjsMemory: MemoryKernels<TfjsTensor, TfjsContext> = {
  /** The data is copied: later writes to `data` don't reach the tensor. */
  upload: (ctx, data, shape) => {
    // tfjs-backend-cpu keeps the array it is given, so give it a copy (wasm and node copy anyway).
    const values = ctx.kind === 'cpu' ? data.slice() : data;
    return runOne(ctx, () => ctx.tf.tensor(values, [...shape], 'float32'));
  },
  zeros: (ctx, shape) => runOne(ctx, () => ctx.tf.zeros([...shape], 'float32')),
  fill: (ctx, shape, value) => runOne(ctx, () => ctx.tf.fill([...shape], value, 'float32')),
  /** The values as a new Float32Array the caller owns. */
  read: async (ctx, x) => {
    const data = (await tfOf(x).data()) as Float32Array;
    // tfjs-backend-cpu hands out its own storage; copy so the caller can't write into the tensor.
    return ctx.kind === 'cpu' ? data.slice() : data;
  },
  /**
   * The values now (dataSync): lets core's composite int8 ops run the exact integer scheme on
   * the host (`info().quantized` = 'host'), the same numbers as backend-cpu's int8 kernels.
   */
  readSync: (_ctx, x) => tfOf(x).dataSync() as Float32Array,
  dispose: (ctx, x) => release(ctx, x),
  /** A tfjs reshape: shares the data buffer, with its own tf.Tensor. */
  reshape: (ctx, x, shape) => runOne(ctx, () => ctx.tf.reshape(tfOf(x), [...shape])),
};
