import type { TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Direct access to tensor storage for rnnkit's data-movement kernels on the two tfjs engines
 * whose storage is JavaScript-visible: tfjs-backend-wasm (the wasm heap) and tfjs-backend-cpu
 * (typed arrays). Kernels allocate every output first, then take views: allocating on the wasm
 * heap may grow it, which detaches views taken earlier.
 */
export interface HostStorage {
  allocate(shape: number[]): TensorInfo;
  view(t: TensorInfo): Float32Array;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values?: Float32Array): TensorInfo;
}

export type HostEngine = 'wasm' | 'cpu';

export function hostStorage(engine: HostEngine, backend: unknown): HostStorage {
  if (engine === 'wasm') {
    const be = backend as WasmBackendLike;
    return { allocate: (shape) => be.makeOutput(shape, 'float32'), view: (t) => be.typedArrayFromHeap(t) };
  }
  const be = backend as CpuBackendLike;
  return {
    allocate: (shape) => be.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))),
    view: (t) => be.data.get(t.dataId).values as Float32Array,
  };
}

/** Rows and row length of a tensor viewed as [rows, ...]. */
export function rowView(t: TensorInfo): [rows: number, rowSize: number] {
  return [t.shape[0] ?? 1, t.shape.slice(1).reduce((a, b) => a * b, 1)];
}
