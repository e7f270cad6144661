/**
 * Int8 weights W [N, K] (row-major, one scale per row) in the layout the int8 kernels read
 * (assembly/quantized_gemm.ts): panels of 8 output rows; panel p, group g is 32 bytes at
 * (p · Kg + g) · 32, columns 8p..8p+3 in the first 16 bytes and 8p+4..8p+7 in the second, each
 * column's G consecutive k adjacent — G = 4 int8 (relaxed build) or G = 2 int16 widened from int8
 * (plain build), 4 bytes either way. Past N and K it is zero. Packed once, when the weights are
 * uploaded, so every call only copies the bytes in.
 */
export interface PackedQuantized {
  /** The panels, `quantPackedBytes(N, K)` bytes. */
  readonly packed: Uint8Array;
  /** Σ_k W[n, k] per row, [N] padded with zeros to a multiple of 8 (the kernels read 4 lanes at a time). */
  readonly rowsum: Int32Array;
  /** The row scales, [N] padded with zeros to a multiple of 8. */
  readonly scales: Float32Array;
  readonly N: number;
  readonly K: number;
  /** k per group: 4 (relaxed build) or 2 (plain build). */
  readonly G: number;
}

/** Packs W (`data` [N·K] int8, `scales` [N]) for a build whose groups hold G values of k. */
export function packQuantized(data: Int8Array, scales: Float32Array, N: number, K: number, G: number): PackedQuantized {
  const Kg = Math.ceil(K / G);
  const panels = Math.ceil(N / 8);
  const packed = new Uint8Array(panels * Kg * 32);
  const bytes = new DataView(packed.buffer);
  const N8 = panels * 8;
  const rowsum = new Int32Array(N8);
  const sc = new Float32Array(N8);
  sc.set(scales.subarray(0, N));
  const elem = 4 / G; // bytes per value: 1 (int8) or 2 (int16)
  for (let n = 0; n < N; n++) {
    const p = n >> 3;
    const lane = n & 7; // column within the panel: vector lane & 3 of vector lane >> 2
    const row = n * K;
    let s = 0;
    for (let k = 0; k < K; k++) {
      const v = data[row + k];
      s += v;
      const g = Math.floor(k / G);
      const o = (p * Kg + g) * 32 + lane * 4 + (k - g * G) * elem;
      if (elem === 1) bytes.setInt8(o, v);
      else bytes.setInt16(o, v, true);
    }
    rowsum[n] = s;
  }
  return { packed, rowsum, scales: sc, N, K, G };
}
