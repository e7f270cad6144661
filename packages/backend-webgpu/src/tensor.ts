import type { Shape, Tensor } from '@rnnkit/core';
import { sizeOf } from '@rnnkit/core';
import type { WebgpuBackend } from './backend.js';
import type { GpuBuf } from './pool.js';

/** A GPU buffer shared by a tensor and its reshaped views; back to the pool when the last goes. */
export class Storage {
  private refs = 1;
  constructor(
    readonly buf: GpuBuf,
    readonly owner: WebgpuBackend,
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
  readonly shape: Shape;
  readonly size: number;
  disposed = false;
  constructor(
    shape: Shape,
    readonly storage: Storage,
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
  }
  get buf(): GpuBuf {
    return this.storage.buf;
  }
}
