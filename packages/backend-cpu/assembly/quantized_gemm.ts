// Int8 dynamic-quantized GEMM: y[M, N] = dequant(q(x)[M, K] · Wqᵀ) + bias, the integer scheme of
// core's composite/int8_impl.ts. W is int8 [N, K], symmetric per output row (scale sw[n], zero
// point 0); each row of x is quantized on the fly to unsigned 7-bit with its own scale sx[m]
// and zero point zx[m] (`quantizeRows`). The dot products are exact int32:
//
//   acc[m, n] = Σ_k Wq[n, k] · qx[m, k];   y = f32(f32(f32(acc − zx[m]·rowsum[n]) · f32(sw[n]·sx[m])) + bias[n])
//
// The two builds differ only in the dot product and in the width of what it multiplies:
//
//   relaxed SIMD: i16x8.relaxed_dot_i8x16_i7x16_s + a pairwise widening add (what
//     i32x4.relaxed_dot_i8x16_i7x16_add_s means; see `dotAdd` for why it is spelled out) — 16
//     int8 · uint7 products summed four to a lane (x86 without VNNI: pmaddubsw + pmaddwd + paddd;
//     no saturation possible, since 2 · 127 · 128 < 2^15). A "group" is 4 consecutive k.
//   plain SIMD:   i32x4.dot_i16x8_s + add — 8 i16 products summed two to a lane. Activations and
//     packed weights are stored widened to i16, so the loop has no extends. A group is 2 k.
//
// Either way a group is 4 bytes per row and per output column, so the loops are the same:
// activation rows are Kg = ceil(K / G) groups (zero-padded), and W is packed (`packQuantized`
// in src/wasm/quantized_pack.ts) into panels of 8 output rows: panel p, group g is 32 bytes at
// wp + (p · Kg + g) · 32 — columns 8p..8p+3 in the first vector, 8p+4..8p+7 in the second, each
// column's G values of k adjacent (a lane of the dot product). Padding is zero in W, so padded
// activations (whatever their value) contribute nothing.
//
// Kernels: 4 rows × 8 columns (8 accumulators; per group 2 weight loads + 4 broadcasts for 8
// dot products) for the input projection and batches ≥ 4, and one row × 16 columns over two
// panels with k unrolled by two groups (GEMV, batches of one to three: each weight byte is read
// once per row; int8 weights are a quarter of float32's bytes, i16 half).

/** k per 4-byte group: 4 uint7 bytes (relaxed) or 2 int16 (plain). */
@inline function groupK(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 4 : 2;
}

/** k per group in this build (JS packs weights with it). */
export function quantGroupK(): i32 {
  return groupK();
}

/** Bytes of one quantized activation row of K values (ceil(K / G) groups of 4 bytes). */
export function quantRowBytes(K: i32): i32 {
  const G = groupK();
  return ((K + G - 1) / G) << 2;
}

/** Bytes of W [N, K] packed into 8-row panels (see the head of this file). */
export function quantPackedBytes(N: i32, K: i32): i32 {
  const G = groupK();
  return ((N + 7) >> 3) * ((K + G - 1) / G) * 32;
}

/**
 * a · w summed per lane group into acc (the build's integer dot product). The relaxed build
 * writes i32x4.relaxed_dot_i8x16_i7x16_add_s out as its two halves — the i16x8 dot, then a
 * pairwise widening add — because Node 20's V8 (11.3) miscompiles the fused form: it returns
 * twice the dot product and drops the addend (probed: dot([1,0,0,0], [1,0,0,0]) + 5 gave 2).
 * On x86 without VNNI V8 lowers both to the same pmaddubsw + pmaddwd + paddd.
 */
@inline function dotAdd(w: v128, a: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, a)));
  return i32x4.add(acc, i32x4.dot_i16x8_s(w, a));
}

/**
 * Quantizes M rows of x [M, K] (row stride ldx floats) to the build's activation rows at q
 * (row stride quantRowBytes(K)), writing each row's scale sx[m] (f32) and zero point zx[m] (i32),
 * as core's composite/int8_impl.ts states the scheme:
 *
 *   lo = min(0, min_k x), hi = max(0, max_k x), s = f32(f32(hi − lo) / 127),
 *   z = clamp(roundHalfEven(f32(−lo / s)), 0, 127), q = clamp(roundHalfEven(f32(x / s)) + z, 0, 127).
 *
 * s = 0 (an all-zero row, or a range that underflows): q and z are 0. A row holding NaN or ±∞,
 * or whose range overflows, gets s = NaN (and q, z = 0), so its whole output row is NaN.
 * Padding to the group is zero.
 */
export function quantizeRows(M: i32, K: i32, x: usize, ldx: i32, q: usize, sx: usize, zx: usize): void {
  const rowBytes = <usize>quantRowBytes(K);
  const K4 = K & ~3;
  const zero = f32x4.splat(0);
  for (let m = 0; m < M; m++) {
    const row = x + ((<usize>m * ldx) << 2);
    // min and max over the row, four lanes then across them; `bad` turns NaN where any x is NaN or ±∞ (x · 0).
    let vlo = zero;
    let vhi = zero;
    let bad = zero;
    let k = 0;
    for (; k < K4; k += 4) {
      const v = v128.load(row + (<usize>k << 2));
      vlo = f32x4.pmin(v, vlo);
      vhi = f32x4.pmax(v, vhi);
      bad = f32x4.add(bad, f32x4.mul(v, zero));
    }
    let lo = min(min(f32x4.extract_lane(vlo, 0), f32x4.extract_lane(vlo, 1)), min(f32x4.extract_lane(vlo, 2), f32x4.extract_lane(vlo, 3)));
    let hi = max(max(f32x4.extract_lane(vhi, 0), f32x4.extract_lane(vhi, 1)), max(f32x4.extract_lane(vhi, 2), f32x4.extract_lane(vhi, 3)));
    let b = f32x4.extract_lane(bad, 0) + f32x4.extract_lane(bad, 1) + f32x4.extract_lane(bad, 2) + f32x4.extract_lane(bad, 3);
    for (; k < K; k++) {
      const v = load<f32>(row + (<usize>k << 2));
      lo = min(lo, v);
      hi = max(hi, v);
      b += v * 0;
    }
    let s: f32 = (hi - lo) / 127;
    const dst = q + <usize>m * rowBytes;
    if (b != 0 || !(s < Infinity) || s == 0) {
      // b is NaN for a non-finite x; s = ∞ for an overflowing range: NaN rows. s = 0: zero rows.
      if (b != 0 || s != 0) s = NaN;
      store<f32>(sx + (<usize>m << 2), s);
      store<i32>(zx + (<usize>m << 2), 0);
      memory.fill(dst, 0, rowBytes);
      continue;
    }
    const z = <i32>min<f32>(max<f32>(nearest<f32>(-lo / s), 0), 127);
    store<f32>(sx + (<usize>m << 2), s);
    store<i32>(zx + (<usize>m << 2), z);
    quantizeRow(K, row, dst, s, z, rowBytes);
  }
}

/** One row's q = clamp(roundHalfEven(x / s) + z, 0, 127), written as u8 (relaxed) or i16 (plain). */
function quantizeRow(K: i32, row: usize, dst: usize, s: f32, z: i32, rowBytes: usize): void {
  const vs = f32x4.splat(s);
  const vz = i32x4.splat(z);
  const lo = i32x4.splat(0);
  const hi = i32x4.splat(127);
  const K8 = K & ~7;
  let k = 0;
  // Eight values at a time: divide, round to nearest even, to int, add z, clamp, narrow.
  for (; k < K8; k += 8) {
    const p = row + (<usize>k << 2);
    const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(p), vs)));
    const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(p, 16), vs)));
    const qa = i32x4.min_s(i32x4.max_s(i32x4.add(a, vz), lo), hi);
    const qb = i32x4.min_s(i32x4.max_s(i32x4.add(b, vz), lo), hi);
    const w16 = i16x8.narrow_i32x4_s(qa, qb);
    if (ASC_FEATURE_RELAXED_SIMD) v128.store64_lane(dst + <usize>k, i8x16.narrow_i16x8_u(w16, w16), 0);
    else v128.store(dst + (<usize>k << 1), w16);
  }
  for (; k < K; k++) {
    const v = min<i32>(max<i32>(<i32>nearest<f32>(load<f32>(row + (<usize>k << 2)) / s) + z, 0), 127);
    if (ASC_FEATURE_RELAXED_SIMD) store<u8>(dst + <usize>k, <u8>v);
    else store<i16>(dst + (<usize>k << 1), <i16>v);
  }
  // Zero the padding up to the group.
  const used: usize = ASC_FEATURE_RELAXED_SIMD ? <usize>K : <usize>K << 1;
  for (let o = used; o < rowBytes; o++) store<u8>(dst + o, 0);
}

/** A 4 × 8 tile's staging area for partial tiles at the right edge (N not a multiple of 8). */
const EDGE: usize = memory.data(16 * 4, 16);

/**
 * The float epilogue of four columns n..n+3 of one row: y = f32(f32(acc − z·rowsum) · f32(sw · sx)) + bias,
 * stored whole or (w < 4) its first w lanes. `bias` is 0 when there is none.
 */
@inline function finish(acc: v128, z: v128, sxv: v128, rowsum: usize, sw: usize, bias: usize, n: i32, y: usize, w: i32): void {
  const o = <usize>n << 2;
  const v = f32x4.convert_i32x4_s(i32x4.sub(acc, i32x4.mul(z, v128.load(rowsum + o))));
  let r = f32x4.mul(v, f32x4.mul(v128.load(sw + o), sxv));
  if (bias != 0) r = f32x4.add(r, v128.load(bias + o));
  if (w >= 4) v128.store(y + o, r);
  else {
    v128.store(EDGE, r);
    for (let j = 0; j < w; j++) store<f32>(y + o + (<usize>j << 2), load<f32>(EDGE + (<usize>j << 2)));
  }
}

/**
 * Rows m..m+3 (pointers a0..a3 to their quantized rows; a row past M repeats a valid one and is
 * not stored: mr ≤ 4) × columns 8p..8p+7 of panel wp, over kg groups.
 */
function tile4x8(
  kg: i32, a0: usize, a1: usize, a2: usize, a3: usize, wp: usize, mr: i32,
  m: i32, n: i32, N: i32, sx: usize, zx: usize, rowsum: usize, sw: usize, bias: usize, y: usize, ldyB: usize,
): void {
  let c00 = i32x4.splat(0), c01 = i32x4.splat(0);
  let c10 = i32x4.splat(0), c11 = i32x4.splat(0);
  let c20 = i32x4.splat(0), c21 = i32x4.splat(0);
  let c30 = i32x4.splat(0), c31 = i32x4.splat(0);
  let o: usize = 0;
  const end = <usize>kg << 2;
  let p = wp;
  for (; o < end; o += 4) {
    const w0 = v128.load(p);
    const w1 = v128.load(p, 16);
    let a = v128.load32_splat(a0 + o);
    c00 = dotAdd(w0, a, c00);
    c01 = dotAdd(w1, a, c01);
    a = v128.load32_splat(a1 + o);
    c10 = dotAdd(w0, a, c10);
    c11 = dotAdd(w1, a, c11);
    a = v128.load32_splat(a2 + o);
    c20 = dotAdd(w0, a, c20);
    c21 = dotAdd(w1, a, c21);
    a = v128.load32_splat(a3 + o);
    c30 = dotAdd(w0, a, c30);
    c31 = dotAdd(w1, a, c31);
    p += 32;
  }
  const w0 = min(4, N - n);
  const w1 = min(4, N - n - 4);
  let yr = y + <usize>m * ldyB;
  let r = <usize>m << 2;
  finish(c00, i32x4.splat(load<i32>(zx + r)), f32x4.splat(load<f32>(sx + r)), rowsum, sw, bias, n, yr, w0);
  if (w1 > 0) finish(c01, i32x4.splat(load<i32>(zx + r)), f32x4.splat(load<f32>(sx + r)), rowsum, sw, bias, n + 4, yr, w1);
  if (mr < 2) return;
  yr += ldyB;
  r += 4;
  finish(c10, i32x4.splat(load<i32>(zx + r)), f32x4.splat(load<f32>(sx + r)), rowsum, sw, bias, n, yr, w0);
  if (w1 > 0) finish(c11, i32x4.splat(load<i32>(zx + r)), f32x4.splat(load<f32>(sx + r)), rowsum, sw, bias, n + 4, yr, w1);
  if (mr < 3) return;
  yr += ldyB;
  r += 4;
  finish(c20, i32x4.splat(load<i32>(zx + r)), f32x4.splat(load<f32>(sx + r)), rowsum, sw, bias, n, yr, w0);
  if (w1 > 0) finish(c21, i32x4.splat(load<i32>(zx + r)), f32x4.splat(load<f32>(sx + r)), rowsum, sw, bias, n + 4, yr, w1);
  if (mr < 4) return;
  yr += ldyB;
  r += 4;
  finish(c30, i32x4.splat(load<i32>(zx + r)), f32x4.splat(load<f32>(sx + r)), rowsum, sw, bias, n, yr, w0);
  if (w1 > 0) finish(c31, i32x4.splat(load<i32>(zx + r)), f32x4.splat(load<f32>(sx + r)), rowsum, sw, bias, n + 4, yr, w1);
}

/**
 * One row (quantized at a) × 16 columns: panels wp and wp + panelBytes (the second only when
 * `two`), k unrolled by two groups so each accumulator's add chain is half as long.
 */
function row1x16(kg: i32, a: usize, wp: usize, panelBytes: usize, two: bool, m: i32, n: i32, N: i32, sx: usize, zx: usize, rowsum: usize, sw: usize, bias: usize, y: usize): void {
  let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
  let p = wp;
  let q = wp + panelBytes;
  let o: usize = 0;
  const end = <usize>kg << 2;
  const end2 = <usize>(kg & ~1) << 2;
  if (two) {
    for (; o < end2; o += 8) {
      const x0 = v128.load32_splat(a + o);
      const x1 = v128.load32_splat(a + o, 4);
      s0 = dotAdd(v128.load(p, 32), x1, dotAdd(v128.load(p), x0, s0));
      s1 = dotAdd(v128.load(p, 48), x1, dotAdd(v128.load(p, 16), x0, s1));
      s2 = dotAdd(v128.load(q, 32), x1, dotAdd(v128.load(q), x0, s2));
      s3 = dotAdd(v128.load(q, 48), x1, dotAdd(v128.load(q, 16), x0, s3));
      p += 64;
      q += 64;
    }
    if (o < end) {
      const x0 = v128.load32_splat(a + o);
      s0 = dotAdd(v128.load(p), x0, s0);
      s1 = dotAdd(v128.load(p, 16), x0, s1);
      s2 = dotAdd(v128.load(q), x0, s2);
      s3 = dotAdd(v128.load(q, 16), x0, s3);
    }
  } else {
    for (; o < end2; o += 8) {
      const x0 = v128.load32_splat(a + o);
      const x1 = v128.load32_splat(a + o, 4);
      s0 = dotAdd(v128.load(p), x0, s0);
      s1 = dotAdd(v128.load(p, 16), x0, s1);
      s2 = dotAdd(v128.load(p, 32), x1, s2);
      s3 = dotAdd(v128.load(p, 48), x1, s3);
      p += 64;
    }
    if (o < end) {
      const x0 = v128.load32_splat(a + o);
      s0 = dotAdd(v128.load(p), x0, s0);
      s1 = dotAdd(v128.load(p, 16), x0, s1);
    }
    s0 = i32x4.add(s0, s2);
    s1 = i32x4.add(s1, s3);
  }
  const r = <usize>m << 2;
  const z = i32x4.splat(load<i32>(zx + r));
  const sxv = f32x4.splat(load<f32>(sx + r));
  finish(s0, z, sxv, rowsum, sw, bias, n, y, min(4, N - n));
  if (N - n > 4) finish(s1, z, sxv, rowsum, sw, bias, n + 4, y, min(4, N - n - 4));
  if (two) {
    finish(s2, z, sxv, rowsum, sw, bias, n + 8, y, min(4, N - n - 8));
    if (N - n > 12) finish(s3, z, sxv, rowsum, sw, bias, n + 12, y, min(4, N - n - 12));
  }
}

/** Rows of quantized activations per block: MC rows of at most 4 KiB stay in L1 with a panel. */
const MC: i32 = 32;

/**
 * y [M, N] (row stride ldy floats) = the scheme above, from activation rows q (quantizeRows: row
 * stride quantRowBytes(K), scales sx, zero points zx), W packed at wp with its int32 row sums
 * `rowsum` [N] and scales sw [N], and bias [N] (0: none). Rows run four at a time through
 * 4 × 8 tiles when M ≥ 4; fewer rows (a batch of one to three) stream W once each, 16 columns
 * at a time.
 */
export function quantizedGemm(
  M: i32, N: i32, K: i32,
  q: usize, sx: usize, zx: usize,
  wp: usize, rowsum: usize, sw: usize, bias: usize,
  y: usize, ldy: i32,
): void {
  if (M <= 0 || N <= 0) return;
  const kg = (K + groupK() - 1) / groupK();
  const rowBytes = <usize>kg << 2;
  const panelBytes = <usize>kg * 32;
  const ldyB = <usize>ldy << 2;
  const panels = (N + 7) >> 3;
  if (M < 4) {
    for (let m = 0; m < M; m++) {
      const a = q + <usize>m * rowBytes;
      const yr = y + <usize>m * ldyB;
      for (let p = 0; p < panels; p += 2) {
        row1x16(kg, a, wp + <usize>p * panelBytes, panelBytes, p + 1 < panels, m, p << 3, N, sx, zx, rowsum, sw, bias, yr);
      }
    }
    return;
  }
  for (let m0 = 0; m0 < M; m0 += MC) {
    const mEnd = min(M, m0 + MC);
    for (let p = 0; p < panels; p++) {
      const w = wp + <usize>p * panelBytes;
      for (let m = m0; m < mEnd; m += 4) {
        const mr = min(4, mEnd - m);
        const a0 = q + <usize>m * rowBytes;
        const a1 = mr > 1 ? a0 + rowBytes : a0;
        const a2 = mr > 2 ? a0 + 2 * rowBytes : a0;
        const a3 = mr > 3 ? a0 + 3 * rowBytes : a0;
        tile4x8(kg, a0, a1, a2, a3, w, mr, m, p << 3, N, sx, zx, rowsum, sw, bias, y, ldyB);
      }
    }
  }
}
