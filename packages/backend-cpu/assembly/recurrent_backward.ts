// Fused gate gradients of one timestep (BPTT), the backward of recurrent_forward.ts, mirroring
// src/kernels/recurrent_backward.ts. The JS side walks t = T−1 … 0: one of these writes the
// step's pre-activation gradients into dXp (and dHp for GRU reset-after) and starts dh_prev;
// then one GEMM adds dGates · W_hh into dh_prev. `dy` is 0 when there is no upstream output
// gradient; `lengths` is 0 or an i32 [B]; a row past its length passes dh straight through.

@inline function ld(p: usize, vec: bool): v128 {
  return vec ? v128.load(p) : v128.load32_splat(p);
}
@inline function st(p: usize, v: v128, vec: bool): void {
  if (vec) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}
@inline function masked(lengths: usize, b: i32, t: i32): bool {
  return lengths != 0 && t >= load<i32>(lengths + (<usize>b << 2));
}
/** dh + dy_t, the gradient reaching this step's output state. */
@inline function dhOut(dh: usize, dy: usize, vec: bool): v128 {
  const d = ld(dh, vec);
  return dy != 0 ? f32x4.add(d, ld(dy, vec)) : d;
}

/** RNN: d(pre) = (dh + dy) ⊙ act'(h'), h' read back from the saved states; dh_prev starts at 0. */
export function rnnStepBack(B: i32, H: i32, relu: bool, dXp: usize, dy: usize, dh: usize, dhPrev: usize, hNew: usize, lengths: usize, t: i32): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * Hb;
    if (masked(lengths, b, t)) {
      memory.copy(dhPrev + r, dh + r, Hb);
      continue;
    }
    let o: usize = 0;
    for (; o < H4; o += 16) rnnBackAt(relu, dXp + r + o, dy != 0 ? dy + r + o : 0, dh + r + o, dhPrev + r + o, hNew + r + o, true);
    for (; o < Hb; o += 4) rnnBackAt(relu, dXp + r + o, dy != 0 ? dy + r + o : 0, dh + r + o, dhPrev + r + o, hNew + r + o, false);
  }
}

@inline function rnnBackAt(relu: bool, dXp: usize, dy: usize, dh: usize, dhPrev: usize, hNew: usize, vec: bool): void {
  const g = dhOut(dh, dy, vec);
  const h = ld(hNew, vec);
  const zero = f32x4.splat(0);
  const d = relu ? v128.and(g, f32x4.gt(h, zero)) : f32x4.mul(g, f32x4.sub(f32x4.splat(1), f32x4.mul(h, h)));
  st(dXp, d, vec);
  st(dhPrev, zero, vec);
}

/** LSTM: gate gradients from dh' and the carried dc ([B, H], updated in place to dc' ⊙ f). */
export function lstmStepBack(
  B: i32, H: i32, dXp: usize, dy: usize, dh: usize, dhPrev: usize, dc: usize,
  gates: usize, tanhC: usize, cPrev: usize, lengths: usize, t: i32,
): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * Hb;
    const g = <usize>b * 4 * Hb;
    if (masked(lengths, b, t)) {
      memory.copy(dhPrev + r, dh + r, Hb); // dc holds as well
      continue;
    }
    let o: usize = 0;
    for (; o < H4; o += 16) lstmBackAt(Hb, dXp + g + o, dy != 0 ? dy + r + o : 0, dh + r + o, dhPrev + r + o, dc + r + o, gates + g + o, tanhC + r + o, cPrev + r + o, true);
    for (; o < Hb; o += 4) lstmBackAt(Hb, dXp + g + o, dy != 0 ? dy + r + o : 0, dh + r + o, dhPrev + r + o, dc + r + o, gates + g + o, tanhC + r + o, cPrev + r + o, false);
  }
}

@inline function lstmBackAt(Hb: usize, dXp: usize, dy: usize, dh: usize, dhPrev: usize, dc: usize, gates: usize, tanhC: usize, cPrev: usize, vec: bool): void {
  const one = f32x4.splat(1);
  const dhn = dhOut(dh, dy, vec);
  const ig = ld(gates, vec);
  const fg = ld(gates + Hb, vec);
  const gg = ld(gates + 2 * Hb, vec);
  const og = ld(gates + 3 * Hb, vec);
  const tc = ld(tanhC, vec);
  const dcn = f32x4.add(f32x4.mul(f32x4.mul(dhn, og), f32x4.sub(one, f32x4.mul(tc, tc))), ld(dc, vec));
  st(dc, f32x4.mul(dcn, fg), vec);
  st(dXp, f32x4.mul(f32x4.mul(dcn, gg), f32x4.mul(ig, f32x4.sub(one, ig))), vec);
  st(dXp + Hb, f32x4.mul(f32x4.mul(dcn, ld(cPrev, vec)), f32x4.mul(fg, f32x4.sub(one, fg))), vec);
  st(dXp + 2 * Hb, f32x4.mul(f32x4.mul(dcn, ig), f32x4.sub(one, f32x4.mul(gg, gg))), vec);
  st(dXp + 3 * Hb, f32x4.mul(f32x4.mul(dhn, tc), f32x4.mul(og, f32x4.sub(one, og))), vec);
  st(dhPrev, f32x4.splat(0), vec);
}

/**
 * GRU, both variants, h' = n + z ⊙ (h − n): dz_pre and dn_pre into dXp ([B, 3H]) and the
 * direct term dh' ⊙ z into dh_prev. The reset gate follows in a variant-specific pass.
 */
export function gruStepBackUpdate(B: i32, H: i32, dXp: usize, dy: usize, dh: usize, dhPrev: usize, gates: usize, hPrev: usize, lengths: usize, t: i32): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * Hb;
    const g = <usize>b * 3 * Hb;
    if (masked(lengths, b, t)) {
      memory.copy(dhPrev + r, dh + r, Hb);
      continue;
    }
    let o: usize = 0;
    for (; o < H4; o += 16) gruUpdateAt(Hb, dXp + g + o, dy != 0 ? dy + r + o : 0, dh + r + o, dhPrev + r + o, gates + g + o, hPrev + r + o, true);
    for (; o < Hb; o += 4) gruUpdateAt(Hb, dXp + g + o, dy != 0 ? dy + r + o : 0, dh + r + o, dhPrev + r + o, gates + g + o, hPrev + r + o, false);
  }
}

@inline function gruUpdateAt(Hb: usize, dXp: usize, dy: usize, dh: usize, dhPrev: usize, gates: usize, hPrev: usize, vec: bool): void {
  const one = f32x4.splat(1);
  const dhn = dhOut(dh, dy, vec);
  const zg = ld(gates + Hb, vec);
  const ng = ld(gates + 2 * Hb, vec);
  const dn = f32x4.mul(dhn, f32x4.sub(one, zg));
  const dz = f32x4.mul(dhn, f32x4.sub(ld(hPrev, vec), ng));
  st(dXp + Hb, f32x4.mul(dz, f32x4.mul(zg, f32x4.sub(one, zg))), vec);
  st(dXp + 2 * Hb, f32x4.mul(dn, f32x4.sub(one, f32x4.mul(ng, ng))), vec);
  st(dhPrev, f32x4.mul(dhn, zg), vec);
}

/** Reset-after: n_pre = xp_n + r ⊙ a, so dr_pre = dn_pre ⊙ a ⊙ r(1 − r) and d(a) = dn_pre ⊙ r; fills dHp [B, 3H]. */
export function gruResetAfterStepBack(B: i32, H: i32, dXp: usize, dHp: usize, gates: usize, aux: usize, lengths: usize, t: i32): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    if (masked(lengths, b, t)) continue;
    const r = <usize>b * Hb;
    const g = <usize>b * 3 * Hb;
    let o: usize = 0;
    for (; o < H4; o += 16) gruAfterBackAt(Hb, dXp + g + o, dHp + g + o, gates + g + o, aux + r + o, true);
    for (; o < Hb; o += 4) gruAfterBackAt(Hb, dXp + g + o, dHp + g + o, gates + g + o, aux + r + o, false);
  }
}

@inline function gruAfterBackAt(Hb: usize, dXp: usize, dHp: usize, gates: usize, aux: usize, vec: bool): void {
  const rg = ld(gates, vec);
  const dnPre = ld(dXp + 2 * Hb, vec);
  const drPre = f32x4.mul(f32x4.mul(dnPre, ld(aux, vec)), f32x4.mul(rg, f32x4.sub(f32x4.splat(1), rg)));
  st(dXp, drPre, vec);
  st(dHp, drPre, vec);
  st(dHp + Hb, ld(dXp + Hb, vec), vec);
  st(dHp + 2 * Hb, f32x4.mul(dnPre, rg), vec);
}

/** Reset-before: with dRh = dn_pre · W_hn [B, H], dr_pre = dRh ⊙ h ⊙ r(1 − r) and dh_prev += dRh ⊙ r. */
export function gruResetBeforeStepBack(B: i32, H: i32, dXp: usize, dRh: usize, gates: usize, hPrev: usize, dhPrev: usize, lengths: usize, t: i32): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    if (masked(lengths, b, t)) continue;
    const r = <usize>b * Hb;
    const g = <usize>b * 3 * Hb;
    let o: usize = 0;
    for (; o < H4; o += 16) gruBeforeBackAt(dXp + g + o, dRh + r + o, gates + g + o, hPrev + r + o, dhPrev + r + o, true);
    for (; o < Hb; o += 4) gruBeforeBackAt(dXp + g + o, dRh + r + o, gates + g + o, hPrev + r + o, dhPrev + r + o, false);
  }
}

@inline function gruBeforeBackAt(dXp: usize, dRh: usize, gates: usize, hPrev: usize, dhPrev: usize, vec: bool): void {
  const rg = ld(gates, vec);
  const g = ld(dRh, vec);
  st(dXp, f32x4.mul(f32x4.mul(g, ld(hPrev, vec)), f32x4.mul(rg, f32x4.sub(f32x4.splat(1), rg))), vec);
  st(dhPrev, f32x4.add(ld(dhPrev, vec), f32x4.mul(g, rg)), vec);
}

/** out[cols] = Σ_i x[i, cols] (bias gradients), accumulated in f64 like the JS path; acc is 8 · cols bytes of scratch. */
export function columnSums(rows: i32, cols: i32, x: usize, out: usize, acc: usize): void {
  const Cb = <usize>cols << 2;
  const C2 = <usize>(cols & ~1) << 2;
  memory.fill(acc, 0, <usize>cols << 3);
  let p = x;
  for (let i = 0; i < rows; i++) {
    let j: usize = 0;
    for (; j < C2; j += 8) {
      const a = acc + (j << 1);
      v128.store(a, f64x2.add(v128.load(a), f64x2.promote_low_f32x4(v128.load64_zero(p + j))));
    }
    if (j < Cb) store<f64>(acc + (j << 1), load<f64>(acc + (j << 1)) + <f64>load<f32>(p + j));
    p += Cb;
  }
  for (let j: usize = 0; j < Cb; j += 4) store<f32>(out + j, <f32>load<f64>(acc + (j << 1)));
}
