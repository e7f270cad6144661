import type { Shape, Tensor } from '@rnnkit/core';
import type { WasmKernels } from './wasm/load.js';

/** Plain row-major float32 data with a shape. */
export interface CpuData {
  /** The elements, row-major; length is the product of `shape`. */
  readonly data: Float32Array;
  /** Extents, outermost first. */
  readonly shape: Shape;
}

/**
 * A CPU tensor: a Float32Array in this thread (possibly a view shared with other tensors —
 * reshape and sliceRows share, nothing ever writes into a tensor's data after it is made) plus
 * a shape. Core's `defineBackend` checks ownership, counts live tensors and refuses disposed
 * ones; `release` only lets the memory go.
 */
export class CpuTensor implements Tensor, CpuData {
  readonly backend = 'cpu';
  private _data: Float32Array;
  constructor(
    data: Float32Array,
    /** Extents, outermost first. */
    readonly shape: Shape,
  ) {
    this._data = data;
  }
  /** The elements, row-major (possibly a view shared with other tensors: never write into it); empty once the tensor was disposed. */
  get data(): Float32Array {
    return this._data;
  }
  /** Drops the data so the memory can be collected (the tensor was disposed). */
  release(): void {
    this._data = new Float32Array(0);
  }
}

/**
 * What the kernels share: the loaded WebAssembly kernels (GEMMs, the fused recurrent kernels,
 * large elementwise ops) when the engine is SIMD; absent for the plain TypeScript engine. One
 * per backend: each has its own kernel memory (arena) and worker threads.
 */
export interface CpuContext {
  /** The loaded WebAssembly kernels (module exports, arena, worker threads); undefined on the `cpu-js` engine. */
  wasm?: WasmKernels;
}
