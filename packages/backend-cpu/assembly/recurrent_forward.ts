// Fused gate math of one timestep for every cell, on [B, ·] row blocks in linear memory. The JS
// side (src/wasm/recurrent_forward_wasm.ts) runs the sequence: one input-projection GEMM, then
// per step the recurrent GEMM into `hp` and one of these. Buffers and meanings match
// src/kernels/recurrent_forward.ts; pointers are byte addresses, `lengths` is 0 or an i32 [B]
// (row b is past its end when t ≥ lengths[b]: it keeps its state and outputs zeros), and `y`
// is 0 when the output is the state buffer itself.

import { vsigmoid, vtanh } from './activations';

/** Four lanes at p, or one float splat when finishing a row whose length isn't a multiple of 4. */
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

/** A padded step: the state row carries over unchanged and the output row is zero. */
@inline function hold(from: usize, to: usize, y: usize, Hb: usize): void {
  memory.copy(to, from, Hb);
  if (y != 0) memory.fill(y, 0, Hb);
}

/** h' = act(xp + hp); rows [B, H]. */
export function rnnStep(B: i32, H: i32, relu: bool, xp: usize, hp: usize, hPrev: usize, hNew: usize, y: usize, lengths: usize, t: i32): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * Hb;
    if (masked(lengths, b, t)) {
      hold(hPrev + r, hNew + r, y != 0 ? y + r : 0, Hb);
      continue;
    }
    let o: usize = 0;
    for (; o < H4; o += 16) rnnAt(relu, xp + r + o, hp + r + o, hNew + r + o, y != 0 ? y + r + o : 0, true);
    for (; o < Hb; o += 4) rnnAt(relu, xp + r + o, hp + r + o, hNew + r + o, y != 0 ? y + r + o : 0, false);
  }
}

@inline function rnnAt(relu: bool, xp: usize, hp: usize, hNew: usize, y: usize, vec: bool): void {
  const pre = f32x4.add(ld(xp, vec), ld(hp, vec));
  const h = relu ? f32x4.max(pre, f32x4.splat(0)) : vtanh(pre);
  st(hNew, h, vec);
  if (y != 0) st(y, h, vec);
}

/**
 * LSTM: i, f, g, o = σ, σ, tanh, σ of xp + hp ([B, 4H] rows); c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c').
 * Writes the activated gates [B, 4H] and tanh(c') [B, H] for backward.
 */
export function lstmStep(
  B: i32, H: i32, xp: usize, hp: usize, cPrev: usize, cNew: usize, hPrev: usize, hNew: usize,
  gates: usize, tanhC: usize, y: usize, lengths: usize, t: i32,
): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * Hb;
    const g = <usize>b * 4 * Hb;
    if (masked(lengths, b, t)) {
      hold(hPrev + r, hNew + r, y != 0 ? y + r : 0, Hb);
      memory.copy(cNew + r, cPrev + r, Hb);
      continue;
    }
    let o: usize = 0;
    for (; o < H4; o += 16) lstmAt(Hb, xp + g + o, hp + g + o, cPrev + r + o, cNew + r + o, hNew + r + o, gates + g + o, tanhC + r + o, y != 0 ? y + r + o : 0, true);
    for (; o < Hb; o += 4) lstmAt(Hb, xp + g + o, hp + g + o, cPrev + r + o, cNew + r + o, hNew + r + o, gates + g + o, tanhC + r + o, y != 0 ? y + r + o : 0, false);
  }
}

@inline function lstmAt(Hb: usize, xp: usize, hp: usize, cPrev: usize, cNew: usize, hNew: usize, gates: usize, tanhC: usize, y: usize, vec: bool): void {
  const ig = vsigmoid(f32x4.add(ld(xp, vec), ld(hp, vec)));
  const fg = vsigmoid(f32x4.add(ld(xp + Hb, vec), ld(hp + Hb, vec)));
  const gg = vtanh(f32x4.add(ld(xp + 2 * Hb, vec), ld(hp + 2 * Hb, vec)));
  const og = vsigmoid(f32x4.add(ld(xp + 3 * Hb, vec), ld(hp + 3 * Hb, vec)));
  const c = f32x4.add(f32x4.mul(fg, ld(cPrev, vec)), f32x4.mul(ig, gg));
  const tc = vtanh(c);
  const h = f32x4.mul(og, tc);
  st(cNew, c, vec);
  st(hNew, h, vec);
  st(gates, ig, vec);
  st(gates + Hb, fg, vec);
  st(gates + 2 * Hb, gg, vec);
  st(gates + 3 * Hb, og, vec);
  st(tanhC, tc, vec);
  if (y != 0) st(y, h, vec);
}

/**
 * PyTorch GRU (reset-after): r, z = σ(xp + hp); a = hp_n + b_hn; n = tanh(xp_n + r ⊙ a);
 * h' = n + z ⊙ (h − n). xp, hp, gates are [B, 3H]; aux [B, H] keeps a; bhn is 0 or [H].
 */
export function gruResetAfterStep(
  B: i32, H: i32, xp: usize, hp: usize, bhn: usize, hPrev: usize, hNew: usize,
  gates: usize, aux: usize, y: usize, lengths: usize, t: i32,
): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * Hb;
    const g = <usize>b * 3 * Hb;
    if (masked(lengths, b, t)) {
      hold(hPrev + r, hNew + r, y != 0 ? y + r : 0, Hb);
      continue;
    }
    let o: usize = 0;
    for (; o < H4; o += 16) gruAfterAt(Hb, xp + g + o, hp + g + o, bhn != 0 ? bhn + o : 0, hPrev + r + o, hNew + r + o, gates + g + o, aux + r + o, y != 0 ? y + r + o : 0, true);
    for (; o < Hb; o += 4) gruAfterAt(Hb, xp + g + o, hp + g + o, bhn != 0 ? bhn + o : 0, hPrev + r + o, hNew + r + o, gates + g + o, aux + r + o, y != 0 ? y + r + o : 0, false);
  }
}

@inline function gruAfterAt(Hb: usize, xp: usize, hp: usize, bhn: usize, hPrev: usize, hNew: usize, gates: usize, aux: usize, y: usize, vec: bool): void {
  const rg = vsigmoid(f32x4.add(ld(xp, vec), ld(hp, vec)));
  const zg = vsigmoid(f32x4.add(ld(xp + Hb, vec), ld(hp + Hb, vec)));
  let an = ld(hp + 2 * Hb, vec);
  if (bhn != 0) an = f32x4.add(an, ld(bhn, vec));
  const ng = vtanh(f32x4.add(ld(xp + 2 * Hb, vec), f32x4.mul(rg, an)));
  const h = f32x4.add(ng, f32x4.mul(zg, f32x4.sub(ld(hPrev, vec), ng)));
  st(hNew, h, vec);
  st(gates, rg, vec);
  st(gates + Hb, zg, vec);
  st(gates + 2 * Hb, ng, vec);
  st(aux, an, vec);
  if (y != 0) st(y, h, vec);
}

/** GRU reset-before, first half: r, z = σ(xp + hp) (hp is [B, 2H]); aux = r ⊙ h_prev for the W_hn GEMM. */
export function gruResetGates(B: i32, H: i32, xp: usize, hp: usize, hPrev: usize, gates: usize, aux: usize, lengths: usize, t: i32): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    if (masked(lengths, b, t)) continue;
    const r = <usize>b * Hb;
    const g = <usize>b * 3 * Hb;
    const p = <usize>b * 2 * Hb;
    let o: usize = 0;
    for (; o < H4; o += 16) gruGatesAt(Hb, xp + g + o, hp + p + o, hPrev + r + o, gates + g + o, aux + r + o, true);
    for (; o < Hb; o += 4) gruGatesAt(Hb, xp + g + o, hp + p + o, hPrev + r + o, gates + g + o, aux + r + o, false);
  }
}

@inline function gruGatesAt(Hb: usize, xp: usize, hp: usize, hPrev: usize, gates: usize, aux: usize, vec: bool): void {
  const rg = vsigmoid(f32x4.add(ld(xp, vec), ld(hp, vec)));
  st(gates, rg, vec);
  st(gates + Hb, vsigmoid(f32x4.add(ld(xp + Hb, vec), ld(hp + Hb, vec))), vec);
  st(aux, f32x4.mul(rg, ld(hPrev, vec)), vec);
}

/** GRU reset-before, second half: n = tanh(xp_n + q) with q = W_hn (r ⊙ h) [B, H]; h' = n + z ⊙ (h − n). */
export function gruResetBeforeState(B: i32, H: i32, xp: usize, q: usize, hPrev: usize, hNew: usize, gates: usize, y: usize, lengths: usize, t: i32): void {
  const Hb = <usize>H << 2;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * Hb;
    const g = <usize>b * 3 * Hb;
    if (masked(lengths, b, t)) {
      hold(hPrev + r, hNew + r, y != 0 ? y + r : 0, Hb);
      continue;
    }
    let o: usize = 0;
    for (; o < H4; o += 16) gruStateAt(Hb, xp + g + o, q + r + o, hPrev + r + o, hNew + r + o, gates + g + o, y != 0 ? y + r + o : 0, true);
    for (; o < Hb; o += 4) gruStateAt(Hb, xp + g + o, q + r + o, hPrev + r + o, hNew + r + o, gates + g + o, y != 0 ? y + r + o : 0, false);
  }
}

@inline function gruStateAt(Hb: usize, xp: usize, q: usize, hPrev: usize, hNew: usize, gates: usize, y: usize, vec: bool): void {
  const ng = vtanh(f32x4.add(ld(xp + 2 * Hb, vec), ld(q, vec)));
  const h = f32x4.add(ng, f32x4.mul(ld(gates + Hb, vec), f32x4.sub(ld(hPrev, vec), ng)));
  st(hNew, h, vec);
  st(gates + 2 * Hb, ng, vec);
  if (y != 0) st(y, h, vec);
}

/** x[rows, cols] += bias[cols] on every row (the input projection's folded biases). */
export function addRowVector(rows: i32, cols: i32, x: usize, bias: usize): void {
  const Cb = <usize>cols << 2;
  const C4 = <usize>(cols & ~3) << 2;
  for (let i = 0; i < rows; i++) {
    const row = x + <usize>i * Cb;
    let o: usize = 0;
    for (; o < C4; o += 16) v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
    for (; o < Cb; o += 4) store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
  }
}
