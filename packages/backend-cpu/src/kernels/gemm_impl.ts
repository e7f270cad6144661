/**
 * Plain-TypeScript single-precision GEMM on row-major Float32Arrays. Operands are strided views
 * (element (r, c) of a view is `data[offset + r * ld + c]`), so kernels can multiply column
 * ranges of a larger buffer (one gate block, one timestep) without copying. Transposed operands
 * are packed into contiguous row-major copies first so the inner loop always runs along a
 * contiguous row of B and of the output.
 *
 * This file is the one a faster implementation (WebAssembly SIMD) replaces; keep its exports.
 */

/** Column block: one output row segment (NB floats) stays in L1 while k runs. */
const NB = 256;
/** Depth block: the KB × NB panel of B (256 KiB at most) is reused by every row of A. */
const KB = 256;

export interface GemmArgs {
  /** Rows of op(A) and of the output. */
  M: number;
  /** Columns of op(B) and of the output. */
  N: number;
  /** Columns of op(A) = rows of op(B). */
  K: number;
  /** A is [M, K], or [K, M] when transA. */
  a: Float32Array;
  aOffset?: number;
  /** Row stride of A as stored; defaults to its stored column count. */
  lda?: number;
  transA?: boolean;
  /** B is [K, N], or [N, K] when transB. */
  b: Float32Array;
  bOffset?: number;
  ldb?: number;
  transB?: boolean;
  /** Scales op(A)·op(B); default 1. */
  alpha?: number;
  /** Output [M, N]. */
  out: Float32Array;
  outOffset?: number;
  ldo?: number;
  /** Add into the output (out += alpha·op(A)·op(B)) instead of overwriting it. */
  accumulate?: boolean;
}

/** out = alpha · op(A) · op(B) (+ out when `accumulate`). */
export function gemm(g: GemmArgs): void {
  const { M, N, K } = g;
  const alpha = g.alpha ?? 1;
  let a = g.a;
  let aOff = g.aOffset ?? 0;
  let lda = g.lda ?? (g.transA ? M : K);
  if (g.transA) {
    a = transpose(a, aOff, lda, K, M);
    aOff = 0;
    lda = K;
  }
  let b = g.b;
  let bOff = g.bOffset ?? 0;
  let ldb = g.ldb ?? (g.transB ? K : N);
  if (g.transB) {
    b = transpose(b, bOff, ldb, N, K);
    bOff = 0;
    ldb = N;
  }
  gemmNN(M, N, K, alpha, a, aOff, lda, b, bOff, ldb, g.out, g.outOffset ?? 0, g.ldo ?? N, g.accumulate ?? false);
}

/** Contiguous [cols, rows] transpose of the [rows, cols] view at `offset` with row stride `ld`. */
export function transpose(src: Float32Array, offset: number, ld: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const TILE = 32; // square tiles keep both the reads and the writes within a few cache lines
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const s = offset + r * ld;
        for (let c = c0; c < c1; c++) out[c * rows + r] = src[s + c];
      }
    }
  }
  return out;
}

/**
 * out[M, N] (+)= alpha · A[M, K] · B[K, N], all row-major strided views. Loop order i-k-j with
 * row accumulation, blocked over (j, k); the micro-kernel takes 4 rows of A and 4 steps of k
 * at a time so each load of B feeds 16 multiply-adds, summed in double before one store.
 */
export function gemmNN(
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: Float32Array,
  aOff: number,
  lda: number,
  b: Float32Array,
  bOff: number,
  ldb: number,
  out: Float32Array,
  oOff: number,
  ldo: number,
  accumulate: boolean,
): void {
  if (!accumulate) {
    if (ldo === N) out.fill(0, oOff, oOff + M * N);
    else for (let i = 0; i < M; i++) out.fill(0, oOff + i * ldo, oOff + i * ldo + N);
  }
  if (K === 0 || alpha === 0) return;
  for (let j0 = 0; j0 < N; j0 += NB) {
    const j1 = Math.min(N, j0 + NB);
    for (let k0 = 0; k0 < K; k0 += KB) {
      const k1 = Math.min(K, k0 + KB);
      const k4 = k0 + ((k1 - k0) & ~3);
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        const o0 = oOff + i * ldo;
        const o1 = o0 + ldo;
        const o2 = o1 + ldo;
        const o3 = o2 + ldo;
        const a0 = aOff + i * lda;
        const a1 = a0 + lda;
        const a2 = a1 + lda;
        const a3 = a2 + lda;
        let k = k0;
        for (; k < k4; k += 4) {
          const x0 = alpha * a[a0 + k],
            x1 = alpha * a[a0 + k + 1],
            x2 = alpha * a[a0 + k + 2],
            x3 = alpha * a[a0 + k + 3];
          const y0 = alpha * a[a1 + k],
            y1 = alpha * a[a1 + k + 1],
            y2 = alpha * a[a1 + k + 2],
            y3 = alpha * a[a1 + k + 3];
          const z0 = alpha * a[a2 + k],
            z1 = alpha * a[a2 + k + 1],
            z2 = alpha * a[a2 + k + 2],
            z3 = alpha * a[a2 + k + 3];
          const w0 = alpha * a[a3 + k],
            w1 = alpha * a[a3 + k + 1],
            w2 = alpha * a[a3 + k + 2],
            w3 = alpha * a[a3 + k + 3];
          const b0 = bOff + k * ldb;
          const b1 = b0 + ldb;
          const b2 = b1 + ldb;
          const b3 = b2 + ldb;
          for (let j = j0; j < j1; j++) {
            const p = b[b0 + j],
              q = b[b1 + j],
              r = b[b2 + j],
              s = b[b3 + j];
            out[o0 + j] += x0 * p + x1 * q + x2 * r + x3 * s;
            out[o1 + j] += y0 * p + y1 * q + y2 * r + y3 * s;
            out[o2 + j] += z0 * p + z1 * q + z2 * r + z3 * s;
            out[o3 + j] += w0 * p + w1 * q + w2 * r + w3 * s;
          }
        }
        for (; k < k1; k++) {
          const x = alpha * a[a0 + k],
            y = alpha * a[a1 + k],
            z = alpha * a[a2 + k],
            w = alpha * a[a3 + k];
          const bk = bOff + k * ldb;
          for (let j = j0; j < j1; j++) {
            const p = b[bk + j];
            out[o0 + j] += x * p;
            out[o1 + j] += y * p;
            out[o2 + j] += z * p;
            out[o3 + j] += w * p;
          }
        }
      }
      for (; i < M; i++) {
        const o = oOff + i * ldo;
        const ai = aOff + i * lda;
        let k = k0;
        for (; k < k4; k += 4) {
          const x0 = alpha * a[ai + k],
            x1 = alpha * a[ai + k + 1],
            x2 = alpha * a[ai + k + 2],
            x3 = alpha * a[ai + k + 3];
          const b0 = bOff + k * ldb;
          const b1 = b0 + ldb;
          const b2 = b1 + ldb;
          const b3 = b2 + ldb;
          for (let j = j0; j < j1; j++) out[o + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
        }
        for (; k < k1; k++) {
          const x = alpha * a[ai + k];
          const bk = bOff + k * ldb;
          for (let j = j0; j < j1; j++) out[o + j] += x * b[bk + j];
        }
      }
    }
  }
}
