import type { MemoryKernels } from '../../backend/kernel_table.js';
import { sizeOf } from '../../tensor.js';
import { type RefContext, type RefTensor, refTensor } from './tensor.js';

/** Host memory: a tensor is its own Float32Array; reshape shares it (nothing writes into it). */
export const referenceMemory: MemoryKernels<RefTensor, RefContext> = {
  upload: (_, data, shape) => refTensor(data.slice(), shape),
  zeros: (_, shape) => refTensor(new Float32Array(sizeOf(shape)), shape),
  fill: (_, shape, value) => refTensor(new Float32Array(sizeOf(shape)).fill(value), shape),
  read: async (_, x) => x.data.slice(),
  // Host memory reads synchronously: core's composite int8 ops run the exact integer scheme here.
  readSync: (_, x) => x.data,
  dispose: () => {},
  reshape: (_, x, shape) => refTensor(x.data, shape),
};
