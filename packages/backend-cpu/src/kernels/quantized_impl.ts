import type { QuantizedMatrix, QuantizedTensor } from '@rnnkit/core/backend';
import type { PackedQuantized } from '../wasm/quantized_pack.js';
import { packQuantized } from '../wasm/quantized_pack.js';

/**
 * The cpu backend's int8 weight (`uploadQuantized`, wasm engines only): a private copy of the
 * int8 matrix [N, K] and its scales, packed once for the engine's kernels (panels of 8 output
 * rows, 4 int8 or 2 int16 per group: src/wasm/quantized_pack.ts). Row ranges other than the
 * whole matrix (GRU reset-before's W_hn rows) are packed on first use and kept.
 */
export class CpuQuantized implements QuantizedTensor {
  /** The owning backend's name, `cpu`. */
  readonly backend = 'cpu';
  /** Element type of the weight: always `int8` (values in [−127, 127], one float32 scale per row). */
  readonly dtype = 'int8' as const;
  /** [N, K] (frozen): N output rows, each with its own scale, by K inputs. */
  readonly shape: readonly [number, number];
  private data: Int8Array;
  private scales: Float32Array;
  private packs = new Map<number, PackedQuantized>();
  constructor(
    q: QuantizedMatrix,
    /** k per group of the engine's build (`quantGroupK()`). */
    private readonly G: number,
  ) {
    const [N, K] = q.shape;
    this.shape = Object.freeze([N, K]) as readonly [number, number];
    this.data = q.data.slice(0, N * K);
    this.scales = q.scales.slice(0, N);
    this.packed(0, N);
  }
  /** Rows [start, start + count) packed (memoized). */
  packed(start: number, count: number): PackedQuantized {
    const key = start * 4294967296 + count;
    let p = this.packs.get(key);
    if (!p) {
      const K = this.shape[1];
      p = packQuantized(this.data.subarray(start * K, (start + count) * K), this.scales.subarray(start, start + count), count, K, this.G);
      this.packs.set(key, p);
    }
    return p;
  }
  /** The int8 matrix as core's host form (for core's `quantizedMatmulHost`). */
  host(): QuantizedMatrix {
    return { data: this.data, scales: this.scales, shape: [this.shape[0], this.shape[1]] };
  }
  /** Drops the data so the memory can be collected (the handle was disposed). */
  release(): void {
    this.data = new Int8Array(0);
    this.scales = new Float32Array(0);
    this.packs.clear();
  }
}
