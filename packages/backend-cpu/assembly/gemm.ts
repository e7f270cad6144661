// Single-precision GEMM with 128-bit SIMD: C[M, N] (+)= alpha · op(A)[M, K] · op(B)[K, N] on
// row-major matrices in linear memory (pointers are byte addresses, leading dimensions count
// floats). GotoBLAS/BLIS structure:
//
//   for each NC-wide column panel of B, for each KC-deep slice:
//     pack that KC × NC block of op(B) into 8-column strips (k-major, zero-padded) — L2
//     for each MC-row block of op(A): pack it into 4-row panels (k-major) — L2
//       for each 8-column strip, for each 4-row panel: a 4 × 8 micro-kernel — registers
//
// The micro-kernel keeps the 4 × 8 tile of C in eight f32x4 accumulators; per k it broadcasts
// four values of A and loads two vectors of B (6 loads for 8 multiply-adds). Rows left over
// after the 4-row panels (M mod 4, and M = 1 for a batch of one) run a 1 × 32 kernel over four
// strips at once so eight independent accumulators still hide the add latency. Packing makes
// the transposes free: op(A) and op(B) are read through their strides once, while packing.
//
// `packB` + `gemmPacked` split the B packing out, so a matrix used by every timestep (W_hh) is
// packed once per sequence; its strips then span all of K (strip stride K·8 floats).

import { madd } from './simd';

/** Rows of op(A) per packed block (a multiple of 4): MC × KC floats = 64 KiB. */
const MC: i32 = 64;
/** Depth of one packed slice: a 4 × KC panel of A (4 KiB) and a KC × 8 strip of B (8 KiB) sit in L1. */
const KC: i32 = 256;
/** Columns of op(B) per packed panel (a multiple of 8): KC × NC floats = 512 KiB, in L2. */
const NC: i32 = 512;

/** Bytes of scratch `gemm` needs for its packed panels. */
export function gemmWorkBytes(): i32 {
  return (KC * NC + MC * KC + 64) * 4;
}

/**
 * Bytes `packB` writes for op(B) [K, N]: ceil(N / 8) strips of K × 8 floats, or with `wide`
 * ceil(N / 32) panels of K × 32 floats (the layout of the few-row kernel, see `gemv`).
 */
export function packedBytes(K: i32, N: i32, wide: bool): i32 {
  return wide ? ((N + 31) >> 5) * K * 128 : ((N + 7) >> 3) * K * 32;
}

/** A 4 × 8 tile's staging area for partial tiles at the matrix edges. */
const EDGE: usize = memory.data(4 * 8 * 4, 16);

/**
 * Packs columns [j0, j0 + nc) and rows [k0, k0 + kc) of op(B) into 8-column strips; strip s
 * starts at dst + s · stripBytes and holds kc rows of 8 floats (zeros past column nc).
 */
function packBlockB(b: usize, ldb: i32, transB: bool, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize, stripBytes: usize, rowBytes: usize = 32): void {
  for (let s = 0; s < nc; s += 8) {
    const w = min(8, nc - s);
    let d = dst + (<usize>(s >> 3)) * stripBytes;
    if (!transB) {
      let src = b + ((<usize>k0 * ldb + j0 + s) << 2);
      const step = <usize>ldb << 2;
      if (w == 8) {
        for (let k = 0; k < kc; k++) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
          src += step;
          d += rowBytes;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let jj = 0; jj < 8; jj++) store<f32>(d + (<usize>jj << 2), jj < w ? load<f32>(src + (<usize>jj << 2)) : 0);
          src += step;
          d += rowBytes;
        }
      }
    } else if (w == 8) {
      // op(B)(k, j) = b[j · ldb + k]: rows j of b hold runs of k. Four k of four columns at a
      // time, transposed in registers (the matrix every step packs: W_hh for a batch of one).
      const step = <usize>ldb << 2;
      for (let colB: usize = 0; colB < 32; colB += 16) {
        // colB: byte offset of columns 0–3, then 4–7, in a strip row; rows j of b are `step` apart.
        let src = b + ((<usize>(j0 + s) * ldb + k0) << 2) + (colB >> 2) * step;
        let o = d + colB;
        let k = 0;
        for (; k + 3 < kc; k += 4) {
          const v0 = v128.load(src);
          const v1 = v128.load(src + step);
          const v2 = v128.load(src + 2 * step);
          const v3 = v128.load(src + 3 * step);
          const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
          const t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
          const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
          const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
          v128.store(o, i64x2.shuffle(t0, t1, 0, 2));
          v128.store(o + rowBytes, i64x2.shuffle(t0, t1, 1, 3));
          v128.store(o + 2 * rowBytes, i64x2.shuffle(t2, t3, 0, 2));
          v128.store(o + 3 * rowBytes, i64x2.shuffle(t2, t3, 1, 3));
          src += 16;
          o += 4 * rowBytes;
        }
        for (; k < kc; k++) {
          for (let jj: usize = 0; jj < 4; jj++) store<f32>(o + (jj << 2), load<f32>(src + jj * step));
          src += 4;
          o += rowBytes;
        }
      }
    } else {
      // op(B)(k, j) = b[j · ldb + k]: each of the 8 columns is a contiguous run of k.
      for (let jj = 0; jj < 8; jj++) {
        let o = d + (<usize>jj << 2);
        if (jj < w) {
          let src = b + ((<usize>(j0 + s + jj) * ldb + k0) << 2);
          for (let k = 0; k < kc; k++) {
            store<f32>(o, load<f32>(src));
            src += 4;
            o += rowBytes;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(o, 0);
            o += rowBytes;
          }
        }
      }
    }
  }
}

/** Packs op(B) [K, N] whole into `dst` (`packedBytes(K, N, wide)` bytes) for `gemmPacked`. */
export function packB(K: i32, N: i32, b: usize, ldb: i32, transB: bool, dst: usize, wide: bool): void {
  if (!wide) {
    packBlockB(b, ldb, transB, 0, K, 0, N, dst, <usize>K * 32);
    return;
  }
  // 32-column panels, row k of panel p at dst + (p · K + k) · 128: four 8-wide strips interleaved.
  for (let j = 0; j < N; j += 32) {
    const panel = dst + (<usize>(j >> 5)) * <usize>K * 128;
    for (let s = 0; s < 32; s += 8) {
      const nc = min(8, N - j - s);
      if (nc > 0) packBlockB(b, ldb, transB, 0, K, j + s, nc, panel + (<usize>s << 2), 0, 128);
      else {
        for (let k = 0; k < K; k++) {
          const o = panel + (<usize>k << 7) + (<usize>s << 2);
          v128.store(o, f32x4.splat(0));
          v128.store(o, f32x4.splat(0), 16);
        }
      }
    }
  }
}

/**
 * Packs rows [i0, i0 + mc) and columns [k0, k0 + kc) of op(A): full 4-row panels as kc × 4
 * floats (k-major), then each leftover row as kc contiguous floats.
 */
function packBlockA(a: usize, lda: i32, transA: bool, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  const m4 = mc & ~3;
  let d = dst;
  for (let i = 0; i < m4; i += 4) {
    if (!transA) {
      const ldaB = <usize>lda << 2;
      let r0 = a + ((<usize>(i0 + i) * lda + k0) << 2);
      let k = 0;
      // Four k at a time: a 4 × 4 block of the four rows, transposed in registers.
      for (; k + 3 < kc; k += 4) {
        const v0 = v128.load(r0);
        const v1 = v128.load(r0 + ldaB);
        const v2 = v128.load(r0 + 2 * ldaB);
        const v3 = v128.load(r0 + 3 * ldaB);
        const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5); // a0 b0 a1 b1
        const t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5); // c0 d0 c1 d1
        const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7); // a2 b2 a3 b3
        const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7); // c2 d2 c3 d3
        v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
        v128.store(d, i64x2.shuffle(t0, t1, 1, 3), 16);
        v128.store(d, i64x2.shuffle(t2, t3, 0, 2), 32);
        v128.store(d, i64x2.shuffle(t2, t3, 1, 3), 48);
        r0 += 16;
        d += 64;
      }
      for (; k < kc; k++) {
        store<f32>(d, load<f32>(r0));
        store<f32>(d, load<f32>(r0 + ldaB), 4);
        store<f32>(d, load<f32>(r0 + 2 * ldaB), 8);
        store<f32>(d, load<f32>(r0 + 3 * ldaB), 12);
        r0 += 4;
        d += 16;
      }
    } else {
      // op(A)(i, k) = a[k · lda + i]: four consecutive rows of op(A) are one vector.
      let src = a + ((<usize>k0 * lda + i0 + i) << 2);
      const step = <usize>lda << 2;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(src));
        src += step;
        d += 16;
      }
    }
  }
  for (let i = m4; i < mc; i++) {
    if (!transA) {
      memory.copy(d, a + ((<usize>(i0 + i) * lda + k0) << 2), <usize>kc << 2);
      d += <usize>kc << 2;
    } else {
      let src = a + ((<usize>k0 * lda + i0 + i) << 2);
      const step = <usize>lda << 2;
      for (let k = 0; k < kc; k++) {
        store<f32>(d, load<f32>(src));
        src += step;
        d += 4;
      }
    }
  }
}

/** Writes one 4-lane vector of results into C: c = alpha · v (+ c). */
@inline function put(c: usize, v: v128, alpha: v128, add: bool): void {
  const r = f32x4.mul(v, alpha);
  v128.store(c, add ? f32x4.add(v128.load(c), r) : r);
}

/** Copies the first `w` lanes of the staged row at `src` into C (c = alpha · v (+ c)). */
function putPartial(c: usize, src: usize, w: i32, alpha: f32, add: bool): void {
  for (let j = 0; j < w; j++) {
    const o = <usize>j << 2;
    const r = alpha * load<f32>(src + o);
    store<f32>(c + o, add ? load<f32>(c + o) + r : r);
  }
}

/** C[mr ≤ 4, nr ≤ 8] (+)= alpha · (4-row panel ap) · (strip bp) over kc. ldcB is in bytes. */
function kernel4x8(kc: i32, ap: usize, bp: usize, c: usize, ldcB: usize, alpha: f32, add: bool, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  const al = f32x4.splat(alpha);
  if (mr == 4 && nr == 8) {
    put(c, c00, al, add);
    put(c + 16, c01, al, add);
    c += ldcB;
    put(c, c10, al, add);
    put(c + 16, c11, al, add);
    c += ldcB;
    put(c, c20, al, add);
    put(c + 16, c21, al, add);
    c += ldcB;
    put(c, c30, al, add);
    put(c + 16, c31, al, add);
    return;
  }
  v128.store(EDGE, c00);
  v128.store(EDGE, c01, 16);
  v128.store(EDGE, c10, 32);
  v128.store(EDGE, c11, 48);
  v128.store(EDGE, c20, 64);
  v128.store(EDGE, c21, 80);
  v128.store(EDGE, c30, 96);
  v128.store(EDGE, c31, 112);
  for (let i = 0; i < mr; i++) putPartial(c + <usize>i * ldcB, EDGE + (<usize>i << 5), nr, alpha, add);
}

/** One row: C[1, 32] (+)= alpha · (row ap, kc floats) · (four strips from bp, stride sB bytes). */
function kernel1x32(kc: i32, ap: usize, bp: usize, sB: usize, c: usize, alpha: f32, add: bool): void {
  let s0a = f32x4.splat(0), s0b = f32x4.splat(0);
  let s1a = f32x4.splat(0), s1b = f32x4.splat(0);
  let s2a = f32x4.splat(0), s2b = f32x4.splat(0);
  let s3a = f32x4.splat(0), s3b = f32x4.splat(0);
  let p0 = bp;
  let p1 = bp + sB;
  let p2 = p1 + sB;
  let p3 = p2 + sB;
  for (let k = 0; k < kc; k++) {
    const a = v128.load32_splat(ap);
    s0a = madd(a, v128.load(p0), s0a);
    s0b = madd(a, v128.load(p0, 16), s0b);
    s1a = madd(a, v128.load(p1), s1a);
    s1b = madd(a, v128.load(p1, 16), s1b);
    s2a = madd(a, v128.load(p2), s2a);
    s2b = madd(a, v128.load(p2, 16), s2b);
    s3a = madd(a, v128.load(p3), s3a);
    s3b = madd(a, v128.load(p3, 16), s3b);
    ap += 4;
    p0 += 32;
    p1 += 32;
    p2 += 32;
    p3 += 32;
  }
  const al = f32x4.splat(alpha);
  put(c, s0a, al, add);
  put(c + 16, s0b, al, add);
  put(c + 32, s1a, al, add);
  put(c + 48, s1b, al, add);
  put(c + 64, s2a, al, add);
  put(c + 80, s2b, al, add);
  put(c + 96, s3a, al, add);
  put(c + 112, s3b, al, add);
}

/** One row, one strip: C[1, nr ≤ 8]; k split over two accumulator pairs to halve the add chain. */
function kernel1x8(kc: i32, ap: usize, bp: usize, c: usize, alpha: f32, add: bool, nr: i32): void {
  let sa = f32x4.splat(0), sb = f32x4.splat(0);
  let ta = f32x4.splat(0), tb = f32x4.splat(0);
  let k = 0;
  for (; k + 1 < kc; k += 2) {
    const a0 = v128.load32_splat(ap);
    const a1 = v128.load32_splat(ap, 4);
    sa = madd(a0, v128.load(bp), sa);
    sb = madd(a0, v128.load(bp, 16), sb);
    ta = madd(a1, v128.load(bp, 32), ta);
    tb = madd(a1, v128.load(bp, 48), tb);
    ap += 8;
    bp += 64;
  }
  if (k < kc) {
    const a0 = v128.load32_splat(ap);
    sa = madd(a0, v128.load(bp), sa);
    sb = madd(a0, v128.load(bp, 16), sb);
  }
  sa = f32x4.add(sa, ta);
  sb = f32x4.add(sb, tb);
  const al = f32x4.splat(alpha);
  if (nr == 8) {
    put(c, sa, al, add);
    put(c + 16, sb, al, add);
    return;
  }
  v128.store(EDGE, sa);
  v128.store(EDGE, sb, 16);
  putPartial(c, EDGE, nr, alpha, add);
}

/**
 * C[mc, nc] (+)= alpha · (packed A block) · (packed B strips) over one kc slice. Strip s of B
 * starts at bp + s · sB; C's (0, 0) is at c.
 */
function macroKernel(mc: i32, nc: i32, kc: i32, alpha: f32, ap: usize, bp: usize, sB: usize, c: usize, ldc: i32, add: bool): void {
  const ldcB = <usize>ldc << 2;
  const m4 = mc & ~3;
  const panelB = <usize>kc << 4; // one 4-row panel of A
  for (let j = 0; j < nc; j += 8) {
    const strip = bp + (<usize>(j >> 3)) * sB;
    const nr = min(8, nc - j);
    for (let i = 0; i < m4; i += 4) {
      kernel4x8(kc, ap + (<usize>(i >> 2)) * panelB, strip, c + <usize>i * ldcB + (<usize>j << 2), ldcB, alpha, add, 4, nr);
    }
  }
  // Leftover rows: four full strips at a time, then single strips.
  let row = ap + (<usize>(m4 >> 2)) * panelB;
  for (let i = m4; i < mc; i++) {
    const crow = c + <usize>i * ldcB;
    let j = 0;
    for (; j + 32 <= nc; j += 32) kernel1x32(kc, row, bp + (<usize>(j >> 3)) * sB, sB, crow + (<usize>j << 2), alpha, add);
    for (; j < nc; j += 8) kernel1x8(kc, row, bp + (<usize>(j >> 3)) * sB, crow + (<usize>j << 2), alpha, add, min(8, nc - j));
    row += <usize>kc << 2;
  }
}

/**
 * One row: c[N] (+)= alpha · a[K] · B, B in 32-column panels (K × 32 floats each), in two passes
 * of 16 columns. Each pass keeps four accumulators and takes k in pairs, summing the pair's two
 * products before they meet the accumulator: that halves the add chain the accumulators wait on,
 * and keeps 14 vectors live (4 sums, 2 broadcasts, 8 loads), because V8 hoists all of an
 * iteration's loads and spills past 15. Measured with bench/gemv_variants.mjs (512 × 128, quiet
 * machine): 27.0 GFLOPS against 25.2 for one k at a time, 29.8 against 25.4 with FMA; eight
 * accumulators over 32 columns spilled and ran 20–23.
 */
function gemv(N: i32, K: i32, alpha: f32, a: usize, bp: usize, c: usize, add: bool): void {
  const al = f32x4.splat(alpha);
  const panelBytes = <usize>K * 128;
  for (let j = 0; j < N; j += 32) {
    for (let colB: usize = 0; colB < 128; colB += 64) {
      // colB: byte offset of this pass's 16 columns within a panel's 128-byte row.
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let ap = a;
      let p = bp + (<usize>(j >> 5)) * panelBytes + colB;
      let k = 0;
      for (; k + 1 < K; k += 2) {
        const x = v128.load32_splat(ap);
        const y = v128.load32_splat(ap, 4);
        s0 = f32x4.add(s0, madd(y, v128.load(p, 128), f32x4.mul(x, v128.load(p))));
        s1 = f32x4.add(s1, madd(y, v128.load(p, 144), f32x4.mul(x, v128.load(p, 16))));
        s2 = f32x4.add(s2, madd(y, v128.load(p, 160), f32x4.mul(x, v128.load(p, 32))));
        s3 = f32x4.add(s3, madd(y, v128.load(p, 176), f32x4.mul(x, v128.load(p, 48))));
        ap += 8;
        p += 256;
      }
      if (k < K) {
        const x = v128.load32_splat(ap);
        s0 = madd(x, v128.load(p), s0);
        s1 = madd(x, v128.load(p, 16), s1);
        s2 = madd(x, v128.load(p, 32), s2);
        s3 = madd(x, v128.load(p, 48), s3);
      }
      const col = j + <i32>(colB >> 2);
      const cj = c + (<usize>col << 2);
      if (col + 16 <= N) {
        put(cj, s0, al, add);
        put(cj + 16, s1, al, add);
        put(cj + 32, s2, al, add);
        put(cj + 48, s3, al, add);
      } else if (col < N) {
        v128.store(EDGE, s0);
        v128.store(EDGE, s1, 16);
        v128.store(EDGE, s2, 32);
        v128.store(EDGE, s3, 48);
        putPartial(cj, EDGE, N - col, alpha, add);
      }
    }
  }
}

/** Zeroes C[M, N] (row stride ldc) when K = 0 and nothing accumulates. */
function clear(M: i32, N: i32, c: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, <usize>N << 2);
}

/**
 * C[M, N] (+)= alpha · op(A) · op(B). A is [M, K] (lda) or [K, M] when transA; B is [K, N]
 * (ldb) or [N, K] when transB; C has row stride ldc. `work` holds gemmWorkBytes() of scratch.
 */
export function gemm(
  M: i32, N: i32, K: i32, alpha: f32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool, work: usize,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) clear(M, N, c, ldc);
    return;
  }
  const bPack = work;
  const aPack = work + <usize>(KC * NC * 4);
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      packBlockB(b, ldb, transB, k0, kc, j0, nc, bPack, <usize>kc * 32);
      const add = accumulate || k0 > 0;
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = min(MC, M - i0);
        packBlockA(a, lda, transA, i0, mc, k0, kc, aPack);
        macroKernel(mc, nc, kc, alpha, aPack, bPack, <usize>kc * 32, c + ((<usize>i0 * ldc + j0) << 2), ldc, add);
      }
    }
  }
}

/**
 * Like `gemm`, with op(B) [K, N] already packed by `packB` (`wide` as packed). `work` holds
 * MC × KC floats. The wide layout is for M < 4 (a batch of one to three in the recurrence):
 * each row of A then streams the matrix once through `gemv`.
 */
export function gemmPacked(
  M: i32, N: i32, K: i32, alpha: f32,
  a: usize, lda: i32, transA: bool,
  bp: usize, wide: bool,
  c: usize, ldc: i32, accumulate: bool, work: usize,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) clear(M, N, c, ldc);
    return;
  }
  if (wide) {
    for (let i = 0; i < M; i++) {
      let row = a + ((<usize>i * lda) << 2);
      if (transA) {
        // op(A) row i is column i of a: gather it into the work area.
        for (let k = 0; k < K; k++) store<f32>(work + (<usize>k << 2), load<f32>(a + ((<usize>k * lda + i) << 2)));
        row = work;
      }
      gemv(N, K, alpha, row, bp, c + ((<usize>i * ldc) << 2), accumulate);
    }
    return;
  }
  const sB = <usize>K * 32;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const add = accumulate || k0 > 0;
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = min(MC, M - i0);
      packBlockA(a, lda, transA, i0, mc, k0, kc, work);
      macroKernel(mc, N, kc, alpha, work, bp + (<usize>k0 << 5), sB, c + ((<usize>i0 * ldc) << 2), ldc, add);
    }
  }
}
