// GEMV variants for bench/gemv_variants.mjs: c[N] = a[K] · Bp, Bp packed in 32-column panels
// (K × 32 floats each), as assembly/gemm.ts packs W_hh for a batch of one. v1 was the kernel
// before; v5 is the one assembly/gemm.ts uses now.
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
export function alloc(bytes: i32): usize { return heap.alloc(bytes); }
// V1: current (two passes of 4 accumulators)
export function v1(N: i32, K: i32, a: usize, bp: usize, c: usize): void {
  for (let j = 0; j < N; j += 32) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
    let ap = a; let p = bp + (<usize>(j >> 5)) * <usize>K * 128;
    for (let k = 0; k < K; k++) { const x = v128.load32_splat(ap);
      s0 = madd(x, v128.load(p), s0); s1 = madd(x, v128.load(p, 16), s1); s2 = madd(x, v128.load(p, 32), s2); s3 = madd(x, v128.load(p, 48), s3);
      ap += 4; p += 128; }
    ap = a; p = bp + (<usize>(j >> 5)) * <usize>K * 128 + 64;
    for (let k = 0; k < K; k++) { const x = v128.load32_splat(ap);
      s4 = madd(x, v128.load(p), s4); s5 = madd(x, v128.load(p, 16), s5); s6 = madd(x, v128.load(p, 32), s6); s7 = madd(x, v128.load(p, 48), s7);
      ap += 4; p += 128; }
    const cj = c + (<usize>j << 2);
    v128.store(cj, s0); v128.store(cj, s1, 16); v128.store(cj, s2, 32); v128.store(cj, s3, 48);
    v128.store(cj, s4, 64); v128.store(cj, s5, 80); v128.store(cj, s6, 96); v128.store(cj, s7, 112);
  }
}
// V2: one pass, 8 accumulators
export function v2(N: i32, K: i32, a: usize, bp: usize, c: usize): void {
  for (let j = 0; j < N; j += 32) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
    let ap = a; let p = bp + (<usize>(j >> 5)) * <usize>K * 128;
    for (let k = 0; k < K; k++) { const x = v128.load32_splat(ap);
      s0 = madd(x, v128.load(p), s0); s1 = madd(x, v128.load(p, 16), s1); s2 = madd(x, v128.load(p, 32), s2); s3 = madd(x, v128.load(p, 48), s3);
      s4 = madd(x, v128.load(p, 64), s4); s5 = madd(x, v128.load(p, 80), s5); s6 = madd(x, v128.load(p, 96), s6); s7 = madd(x, v128.load(p, 112), s7);
      ap += 4; p += 128; }
    const cj = c + (<usize>j << 2);
    v128.store(cj, s0); v128.store(cj, s1, 16); v128.store(cj, s2, 32); v128.store(cj, s3, 48);
    v128.store(cj, s4, 64); v128.store(cj, s5, 80); v128.store(cj, s6, 96); v128.store(cj, s7, 112);
  }
}
// V3: one pass over half of each panel (16 columns) with k split in two halves: 8 chains.
export function v3(N: i32, K: i32, a: usize, bp: usize, c: usize): void {
  const Kh = K >> 1;
  for (let j = 0; j < N; j += 32) {
    for (let half = 0; half < 2; half++) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
      let ap = a; let p = bp + (<usize>(j >> 5)) * <usize>K * 128 + <usize>half * 64;
      const off = <usize>Kh * 128; const aoff = <usize>Kh * 4;
      for (let k = 0; k < Kh; k++) { const x = v128.load32_splat(ap); const y = v128.load32_splat(ap + aoff);
        s0 = madd(x, v128.load(p), s0); s1 = madd(x, v128.load(p, 16), s1); s2 = madd(x, v128.load(p, 32), s2); s3 = madd(x, v128.load(p, 48), s3);
        const q = p + off;
        t0 = madd(y, v128.load(q), t0); t1 = madd(y, v128.load(q, 16), t1); t2 = madd(y, v128.load(q, 32), t2); t3 = madd(y, v128.load(q, 48), t3);
        ap += 4; p += 128; }
      const cj = c + (<usize>j << 2) + <usize>half * 64;
      v128.store(cj, f32x4.add(s0, t0)); v128.store(cj, f32x4.add(s1, t1), 16); v128.store(cj, f32x4.add(s2, t2), 32); v128.store(cj, f32x4.add(s3, t3), 48);
    }
  }
}
// V4: 8 accumulators, k unrolled by 2 into two sets of 4 over 16 columns (even/odd k).
export function v4(N: i32, K: i32, a: usize, bp: usize, c: usize): void {
  for (let j = 0; j < N; j += 32) {
    for (let half = 0; half < 2; half++) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
      let ap = a; let p = bp + (<usize>(j >> 5)) * <usize>K * 128 + <usize>half * 64;
      for (let k = 0; k < K; k += 2) { const x = v128.load32_splat(ap); const y = v128.load32_splat(ap, 4);
        s0 = madd(x, v128.load(p), s0); s1 = madd(x, v128.load(p, 16), s1); s2 = madd(x, v128.load(p, 32), s2); s3 = madd(x, v128.load(p, 48), s3);
        t0 = madd(y, v128.load(p, 128), t0); t1 = madd(y, v128.load(p, 144), t1); t2 = madd(y, v128.load(p, 160), t2); t3 = madd(y, v128.load(p, 176), t3);
        ap += 8; p += 256; }
      const cj = c + (<usize>j << 2) + <usize>half * 64;
      v128.store(cj, f32x4.add(s0, t0)); v128.store(cj, f32x4.add(s1, t1), 16); v128.store(cj, f32x4.add(s2, t2), 32); v128.store(cj, f32x4.add(s3, t3), 48);
    }
  }
}
// V5: two passes of 16 columns; per pass 4 accumulators, k in pairs whose products are summed
// before they meet the accumulator (4 acc + 2 splats + 8 loads = 14 live vectors: no spill).
export function v5(N: i32, K: i32, a: usize, bp: usize, c: usize): void {
  for (let j = 0; j < N; j += 32) {
    for (let half = 0; half < 2; half++) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let ap = a; let p = bp + (<usize>(j >> 5)) * <usize>K * 128 + <usize>half * 64;
      let k = 0;
      for (; k + 1 < K; k += 2) { const x = v128.load32_splat(ap); const y = v128.load32_splat(ap, 4);
        s0 = f32x4.add(s0, madd(y, v128.load(p, 128), f32x4.mul(x, v128.load(p))));
        s1 = f32x4.add(s1, madd(y, v128.load(p, 144), f32x4.mul(x, v128.load(p, 16))));
        s2 = f32x4.add(s2, madd(y, v128.load(p, 160), f32x4.mul(x, v128.load(p, 32))));
        s3 = f32x4.add(s3, madd(y, v128.load(p, 176), f32x4.mul(x, v128.load(p, 48))));
        ap += 8; p += 256; }
      if (k < K) { const x = v128.load32_splat(ap);
        s0 = madd(x, v128.load(p), s0); s1 = madd(x, v128.load(p, 16), s1); s2 = madd(x, v128.load(p, 32), s2); s3 = madd(x, v128.load(p, 48), s3); }
      const cj = c + (<usize>j << 2) + <usize>half * 64;
      v128.store(cj, s0); v128.store(cj, s1, 16); v128.store(cj, s2, 32); v128.store(cj, s3, 48);
    }
  }
}
// V6: one pass of 32 columns, 8 accumulators, but the loads and their multiply-adds written
// in groups of two so fewer are live (the scheduler may still hoist).
export function v6(N: i32, K: i32, a: usize, bp: usize, c: usize): void {
  for (let j = 0; j < N; j += 32) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let ap = a; let p = bp + (<usize>(j >> 5)) * <usize>K * 128;
    let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
    for (let k = 0; k < K; k++) { const x = v128.load32_splat(ap);
      const p0 = f32x4.mul(x, v128.load(p)); const p1 = f32x4.mul(x, v128.load(p, 16));
      s0 = f32x4.add(s0, p0); s1 = f32x4.add(s1, p1);
      const p2 = f32x4.mul(x, v128.load(p, 32)); const p3 = f32x4.mul(x, v128.load(p, 48));
      s2 = f32x4.add(s2, p2); s3 = f32x4.add(s3, p3);
      const p4 = f32x4.mul(x, v128.load(p, 64)); const p5 = f32x4.mul(x, v128.load(p, 80));
      t0 = f32x4.add(t0, p4); t1 = f32x4.add(t1, p5);
      const p6 = f32x4.mul(x, v128.load(p, 96)); const p7 = f32x4.mul(x, v128.load(p, 112));
      t2 = f32x4.add(t2, p6); t3 = f32x4.add(t3, p7);
      ap += 4; p += 128; }
    const cj = c + (<usize>j << 2);
    v128.store(cj, s0); v128.store(cj, s1, 16); v128.store(cj, s2, 32); v128.store(cj, s3, 48);
    v128.store(cj, t0, 64); v128.store(cj, t1, 80); v128.store(cj, t2, 96); v128.store(cj, t3, 112);
  }
}
