/**
 * Row permutations used with gatherRows to move between layouts without a transpose primitive.
 * A [B, T, F] tensor viewed as rows is indexed b*T + t; a time-major [T, B, F] one t*B + b.
 */

/** out row t*B + b ← in row b*T + t: batch-first to time-major. */
export function batchToTimeMajor(B: number, T: number): Int32Array {
  const idx = new Int32Array(B * T);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) idx[t * B + b] = b * T + t;
  return idx;
}

/** out row b*T + t ← in row t*B + b: time-major to batch-first. */
export function timeToBatchMajor(B: number, T: number): Int32Array {
  const idx = new Int32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) idx[b * T + t] = t * B + b;
  return idx;
}

/**
 * Reverses each sequence within its own length on time-major rows: step t of sequence b maps
 * to step lengths[b] − 1 − t; padded steps stay put. The permutation is its own inverse.
 */
export function reverseWithinLengths(T: number, B: number, lengths: Int32Array | undefined): Int32Array {
  const idx = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    const L = lengths ? lengths[b] : T;
    for (let t = 0; t < T; t++) idx[t * B + b] = (t < L ? L - 1 - t : t) * B + b;
  }
  return idx;
}

/** Row of each sequence's last valid step, for a [B, T, F] (batchFirst) or [T, B, F] tensor. */
export function lastStepRows(B: number, T: number, lengths: Int32Array | undefined, batchFirst: boolean): Int32Array {
  const idx = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const t = (lengths ? lengths[b] : T) - 1;
    idx[b] = batchFirst ? b * T + t : t * B + b;
  }
  return idx;
}
