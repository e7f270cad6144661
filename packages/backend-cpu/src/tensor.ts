import { RnnkitError, formatShape } from '@rnnkit/core';
import type { Shape, Tensor } from '@rnnkit/core';

/** Plain row-major float32 data with a shape: what every CPU kernel takes and returns. */
export interface CpuData {
  readonly data: Float32Array;
  readonly shape: Shape;
}

/** Bookkeeping shared by one backend and the handles it hands out. */
export interface TensorStore {
  live: number;
  destroyed: boolean;
}

/**
 * A CPU tensor handle: a Float32Array (possibly a view shared with other handles — reshape and
 * sliceRows share, nothing ever writes into a handle's data after it is made) plus a shape.
 */
export class CpuTensor implements Tensor, CpuData {
  readonly backend = 'cpu';
  private _data: Float32Array;
  private _disposed = false;
  constructor(
    data: Float32Array,
    readonly shape: Shape,
    /** The store of the backend that made this handle; disposal is counted there. */
    readonly store: TensorStore,
  ) {
    this._data = data;
  }
  get data(): Float32Array {
    return this._data;
  }
  get disposed(): boolean {
    return this._disposed || this.store.destroyed;
  }
  /** Marks the handle dead and drops its data so the memory can be collected. */
  release(): void {
    this._disposed = true;
    this._data = new Float32Array(0);
    this.store.live--;
  }
}

/**
 * Checks that `t` is a live CPU tensor and returns it typed. `argument` names it in errors
 * (`a`, `weightHh`, `forward.x`).
 */
export function asCpu(t: Tensor, argument: string): CpuTensor {
  if (!(t instanceof CpuTensor)) {
    const owner = t !== null && typeof t === 'object' && typeof (t as Tensor).backend === 'string' ? (t as Tensor).backend : typeof t;
    throw new RnnkitError('BACKEND_MISMATCH', `${argument}: expected a tensor of the cpu backend, got one of ${JSON.stringify(owner)}`, { argument });
  }
  if (t.disposed) {
    const why = t.store.destroyed ? 'its backend was destroyed' : 'it was disposed';
    throw new RnnkitError('DISPOSED', `${argument}: the tensor ${formatShape(t.shape)} can't be used: ${why}`, { argument });
  }
  return t;
}
