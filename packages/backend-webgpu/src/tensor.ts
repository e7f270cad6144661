import type { Shape, Tensor } from '@rnnkit/core';
import { sizeOf } from '@rnnkit/core';
import type { GpuBuf } from './pool.js';

/** Where a storage buffer goes back to when its last tensor is disposed. */
export interface StorageOwner {
  releaseBuffer(b: GpuBuf): void;
}

/** A GPU buffer shared by a tensor and its reshaped views; back to the pool when the last goes. */
export class Storage {
  private refs = 1;
  constructor(
    readonly buf: GpuBuf,
    readonly owner: StorageOwner,
  ) {}
  retain(): this {
    this.refs++;
    return this;
  }
  drop(): void {
    if (--this.refs === 0) this.owner.releaseBuffer(this.buf);
  }
}

/** The webgpu backend's tensor: a shape over float32 data at the start of a pooled GPUBuffer. */
export class WebgpuTensor implements Tensor {
  readonly backend = 'webgpu';
  /** Extents, outermost first (frozen). */
  readonly shape: Shape;
  /** Number of float32 elements: the product of `shape`. */
  readonly size: number;
  constructor(
    shape: Shape,
    /** The GPU buffer and its reference count, shared with reshaped views of the same data. */
    readonly storage: Storage,
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
  }
  /** The pooled GPUBuffer holding the data from offset 0; it may be larger than `size` · 4 bytes (size classes). */
  get buf(): GpuBuf {
    return this.storage.buf;
  }
}
