import type { Tensor } from '../../tensor.js';
import type { Backend, QuantizedMatrix, QuantizedTensor } from '../backend.js';
import { dequantizeRows, int8RowSums } from './int8_impl.js';

/**
 * Core's form of an int8 weight on a backend without int8 kernels: the host matrix (and its row
 * sums, for the exact integer scheme), plus a float32 copy dequantized once, on first use, for a
 * backend that runs the int8 ops on float32 weights.
 */
export class CompositeQuantized implements QuantizedTensor {
  /** Always `int8`. */
  readonly dtype = 'int8' as const;
  /** [N, K], the host matrix's shape (frozen). */
  readonly shape: readonly [number, number];
  /** rowSum[n] = Σ_k Wq[n, k], [N]: the zero-point correction of the exact integer scheme. */
  readonly rowSums: Int32Array;
  private float: Tensor | undefined;
  constructor(
    /** Name of the backend it was uploaded to. */
    readonly backend: string,
    /** The uploaded int8 matrix, kept on the host as given (not copied). */
    readonly host: QuantizedMatrix,
  ) {
    this.shape = Object.freeze([host.shape[0], host.shape[1]]) as readonly [number, number];
    this.rowSums = int8RowSums(host);
  }
  /** Wq · s_w [N, K] as a float32 tensor of `be`, made once and kept until `release`. */
  dequantized(be: Backend): Tensor {
    this.float ??= be.upload(dequantizeRows(this.host), this.shape);
    return this.float;
  }
  /** Disposes the float32 copy, if one was made, on `be`; the host matrix stays. */
  release(be: Backend): void {
    if (this.float) be.dispose(this.float);
    this.float = undefined;
  }
}
