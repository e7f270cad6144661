import type { RecurrentForwardArgs, RecurrentForwardResult } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';
import { recurrentForwardWasm } from '../wasm/recurrent_forward.js';
import { gemm, gemmNN, transpose } from './gemm_impl.js';
import type { ResolvedRecurrent } from './recurrent_impl.js';
import { CpuRecurrentSaved, resolveRecurrent, transposeRows } from './recurrent_impl.js';

/** y [T, B, H] ([B, T, H] batch-first), hN and cN [B, H], and what backward needs when training. */
export type RecurrentForwardOutput = RecurrentForwardResult<CpuTensor> & { saved?: CpuRecurrentSaved };

/**
 * The fused recurrent forward of one layer-direction: the SIMD engine's (wasm/recurrent_forward.ts)
 * or the TypeScript one below, the same algorithm and buffers. Takes batch-first x itself.
 */
export function recurrentForward(ctx: CpuContext, args: RecurrentForwardArgs<CpuTensor>): RecurrentForwardOutput {
  return ctx.wasm ? recurrentForwardWasm(ctx.wasm, args) : recurrentForwardJs(args);
}

/** Buffers one forward pass works in; per-step ones are reused when not training. */
interface ForwardState {
  r: ResolvedRecurrent;
  training: boolean;
  /** [T*B, G*H]: W_ih x_t + b_ih (+ b_hh wherever it sits outside the reset gate). */
  xp: Float32Array;
  /** [B, Nrec]: this step's h_prev · W_hh^T (rows r, z only for GRU reset-before). */
  hp: Float32Array;
  /** GRU reset-after: b_hn [H], added inside r ⊙ (W_hn h + b_hn). */
  bhn: Float32Array | undefined;
  hs: Float32Array;
  cs: Float32Array | undefined;
  gates: Float32Array | undefined;
  tanhC: Float32Array | undefined;
  aux: Float32Array | undefined;
  /** Output [T, B, H] when lengths mask it; otherwise y is a view of hs[1..T]. */
  y: Float32Array | undefined;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * A whole layer-direction forward, the cuDNN way: one GEMM projects every step's input
 * ([T*B, D] · W_ih^T), then each step runs one recurrent GEMM (h_prev [B, H] · W_hh^T, with
 * W_hh transposed once up front) and the gate math fused into a single pass over [B, H].
 * Rows at steps t ≥ lengths[b] keep b's state and output zeros. Matches core's composite
 * forward (the reference semantics) to float32 rounding.
 */
function recurrentForwardJs(args: RecurrentForwardArgs<CpuTensor>): RecurrentForwardOutput {
  const r = resolveRecurrent(args);
  const { cell, T, B, D, H, G } = r;
  const GH = G * H;
  const BH = B * H;
  const training = args.training;
  const resetBefore = cell === 'gru' && !r.resetAfter;

  // Input projection of all steps, biases folded in (b_hn stays apart for GRU reset-after).
  const xp = new Float32Array(T * B * GH);
  const x = r.batchFirst ? transposeRows(r.x, B, T, D) : r.x; // time-major from here on
  gemm({ M: T * B, N: GH, K: D, a: x, b: r.weightIh, transB: true, out: xp });
  const bhn = cell === 'gru' && r.resetAfter && r.biasHh ? r.biasHh.subarray(2 * H, 3 * H) : undefined;
  if (r.biasIh || r.biasHh) {
    const bias = new Float64Array(GH);
    if (r.biasIh) for (let j = 0; j < GH; j++) bias[j] = r.biasIh[j];
    if (r.biasHh) for (let j = 0; j < (bhn ? 2 * H : GH); j++) bias[j] += r.biasHh[j];
    for (let row = 0; row < T * B; row++) {
      const o = row * GH;
      for (let j = 0; j < GH; j++) xp[o + j] += bias[j];
    }
  }

  const Nrec = resetBefore ? 2 * H : GH;
  const whhT = transpose(r.weightHh, 0, H, Nrec, H); // [H, Nrec]
  const whnT = resetBefore ? transpose(r.weightHh, 2 * H * H, H, H, H) : undefined; // [H, H]
  const steps = training ? T : 1;
  const lstm = cell === 'lstm';
  const gru = cell === 'gru';
  const hs = new Float32Array((T + 1) * BH);
  hs.set(r.h0);
  let cs: Float32Array | undefined;
  if (lstm) {
    cs = new Float32Array((training ? T + 1 : 2) * BH);
    if (r.c0) cs.set(r.c0);
  }
  const st: ForwardState = {
    r,
    training,
    xp,
    hp: new Float32Array(B * Nrec),
    bhn,
    hs,
    cs,
    gates: lstm || gru ? new Float32Array(steps * B * GH) : undefined,
    tanhC: lstm ? new Float32Array(steps * BH) : undefined,
    aux: gru ? new Float32Array(steps * BH) : undefined,
    y: r.lengths ? new Float32Array(T * BH) : undefined,
  };
  const q = resetBefore ? new Float32Array(BH) : undefined;

  for (let t = 0; t < T; t++) {
    gemmNN(B, Nrec, H, 1, hs, t * BH, H, whhT, 0, Nrec, st.hp, 0, Nrec, false);
    switch (cell) {
      case 'rnn_tanh':
      case 'rnn_relu':
        rnnStep(st, t, cell === 'rnn_relu');
        break;
      case 'lstm':
        lstmStep(st, t);
        break;
      case 'gru':
        if (resetBefore) {
          gruResetGates(st, t);
          // q = (r ⊙ h) · W_hn^T; b_hn is already in xp.
          gemmNN(B, H, H, 1, st.aux!, training ? t * BH : 0, H, whnT!, 0, H, q!, 0, H, false);
          gruResetBeforeState(st, t, q!);
        } else {
          gruResetAfterStep(st, t);
        }
        break;
    }
  }

  const y = st.y ?? hs.subarray(BH);
  const hN = hs.slice(T * BH);
  const cOff = training ? T * BH : (T & 1) * BH;
  const cN = cs ? cs.slice(cOff, cOff + BH) : undefined;
  const saved = training ? new CpuRecurrentSaved(cell, r.resetAfter, T, B, D, H, hs, cs, st.gates, st.tanhC, st.aux, r.lengths) : undefined;
  return {
    y: r.batchFirst ? new CpuTensor(transposeRows(y, T, B, H), [B, T, H]) : new CpuTensor(y, [T, B, H]),
    hN: new CpuTensor(hN, [B, H]),
    ...(cN ? { cN: new CpuTensor(cN, [B, H]) } : {}),
    ...(saved ? { saved } : {}),
  };
}

/** Copies b's state into step t + 1 unchanged (a padded step). */
function holdRow(buf: Float32Array, from: number, to: number, H: number): void {
  buf.copyWithin(to, from, from + H);
}

/** h' = act(xp + hp). */
function rnnStep(st: ForwardState, t: number, relu: boolean): void {
  const { B, H, lengths } = st.r;
  const { xp, hp, hs, y } = st;
  const BH = B * H;
  for (let b = 0; b < B; b++) {
    const hPrev = t * BH + b * H;
    const hNew = hPrev + BH;
    if (lengths && t >= lengths[b]) {
      holdRow(hs, hPrev, hNew, H);
      continue;
    }
    const x0 = (t * B + b) * H;
    const p0 = b * H;
    for (let j = 0; j < H; j++) {
      const pre = xp[x0 + j] + hp[p0 + j];
      const h = relu ? (pre > 0 ? pre : 0) : Math.tanh(pre);
      hs[hNew + j] = h;
      if (y) y[x0 + j] = h;
    }
  }
}

/** i, f, g, o = σ, σ, tanh, σ of xp + hp; c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c'). */
function lstmStep(st: ForwardState, t: number): void {
  const { B, H, lengths } = st.r;
  const { xp, hp, hs, y, training } = st;
  const cs = st.cs!;
  const gates = st.gates!;
  const tanhC = st.tanhC!;
  const BH = B * H;
  const GH = 4 * H;
  const cPrevBase = training ? t * BH : (t & 1) * BH;
  const cNewBase = training ? (t + 1) * BH : ((t + 1) & 1) * BH;
  const gBase = training ? t * B * GH : 0;
  const tBase = training ? t * BH : 0;
  for (let b = 0; b < B; b++) {
    const hPrev = t * BH + b * H;
    const hNew = hPrev + BH;
    const cPrev = cPrevBase + b * H;
    const cNew = cNewBase + b * H;
    if (lengths && t >= lengths[b]) {
      holdRow(hs, hPrev, hNew, H);
      holdRow(cs, cPrev, cNew, H);
      continue;
    }
    const x0 = (t * B + b) * GH;
    const p0 = b * GH;
    const g0 = gBase + b * GH;
    const tc0 = tBase + b * H;
    const y0 = t * BH + b * H;
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(xp[x0 + j] + hp[p0 + j]);
      const fg = sigmoid(xp[x0 + H + j] + hp[p0 + H + j]);
      const gg = Math.tanh(xp[x0 + 2 * H + j] + hp[p0 + 2 * H + j]);
      const og = sigmoid(xp[x0 + 3 * H + j] + hp[p0 + 3 * H + j]);
      const c = fg * cs[cPrev + j] + ig * gg;
      const tc = Math.tanh(c);
      const h = og * tc;
      cs[cNew + j] = c;
      hs[hNew + j] = h;
      gates[g0 + j] = ig;
      gates[g0 + H + j] = fg;
      gates[g0 + 2 * H + j] = gg;
      gates[g0 + 3 * H + j] = og;
      tanhC[tc0 + j] = tc;
      if (y) y[y0 + j] = h;
    }
  }
}

/** PyTorch GRU: r, z = σ(xp + hp); n = tanh(xp_n + r ⊙ (W_hn h + b_hn)); h' = n + z ⊙ (h − n). */
function gruResetAfterStep(st: ForwardState, t: number): void {
  const { B, H, lengths } = st.r;
  const { xp, hp, hs, y, training, bhn } = st;
  const gates = st.gates!;
  const aux = st.aux!;
  const BH = B * H;
  const GH = 3 * H;
  const gBase = training ? t * B * GH : 0;
  const aBase = training ? t * BH : 0;
  for (let b = 0; b < B; b++) {
    const hPrev = t * BH + b * H;
    const hNew = hPrev + BH;
    if (lengths && t >= lengths[b]) {
      holdRow(hs, hPrev, hNew, H);
      continue;
    }
    const x0 = (t * B + b) * GH;
    const p0 = b * GH;
    const g0 = gBase + b * GH;
    const a0 = aBase + b * H;
    const y0 = t * BH + b * H;
    for (let j = 0; j < H; j++) {
      const rg = sigmoid(xp[x0 + j] + hp[p0 + j]);
      const zg = sigmoid(xp[x0 + H + j] + hp[p0 + H + j]);
      const an = bhn ? hp[p0 + 2 * H + j] + bhn[j] : hp[p0 + 2 * H + j];
      const ng = Math.tanh(xp[x0 + 2 * H + j] + rg * an);
      const h = ng + zg * (hs[hPrev + j] - ng);
      hs[hNew + j] = h;
      gates[g0 + j] = rg;
      gates[g0 + H + j] = zg;
      gates[g0 + 2 * H + j] = ng;
      aux[a0 + j] = an;
      if (y) y[y0 + j] = h;
    }
  }
}

/** GRU reset-before, first half: r, z = σ(xp + hp) and r ⊙ h_prev for the W_hn GEMM. */
function gruResetGates(st: ForwardState, t: number): void {
  const { B, H, lengths } = st.r;
  const { xp, hp, hs, training } = st;
  const gates = st.gates!;
  const aux = st.aux!;
  const BH = B * H;
  const GH = 3 * H;
  const gBase = training ? t * B * GH : 0;
  const aBase = training ? t * BH : 0;
  for (let b = 0; b < B; b++) {
    if (lengths && t >= lengths[b]) continue;
    const hPrev = t * BH + b * H;
    const x0 = (t * B + b) * GH;
    const p0 = b * 2 * H;
    const g0 = gBase + b * GH;
    const a0 = aBase + b * H;
    for (let j = 0; j < H; j++) {
      const rg = sigmoid(xp[x0 + j] + hp[p0 + j]);
      gates[g0 + j] = rg;
      gates[g0 + H + j] = sigmoid(xp[x0 + H + j] + hp[p0 + H + j]);
      aux[a0 + j] = rg * hs[hPrev + j];
    }
  }
}

/** GRU reset-before, second half: n = tanh(xp_n + q), q = W_hn (r ⊙ h) (+ b_hn in xp); h' = n + z ⊙ (h − n). */
function gruResetBeforeState(st: ForwardState, t: number, q: Float32Array): void {
  const { B, H, lengths } = st.r;
  const { xp, hs, y, training } = st;
  const gates = st.gates!;
  const BH = B * H;
  const GH = 3 * H;
  const gBase = training ? t * B * GH : 0;
  for (let b = 0; b < B; b++) {
    const hPrev = t * BH + b * H;
    const hNew = hPrev + BH;
    if (lengths && t >= lengths[b]) {
      holdRow(hs, hPrev, hNew, H);
      continue;
    }
    const x0 = (t * B + b) * GH;
    const g0 = gBase + b * GH;
    const q0 = b * H;
    const y0 = t * BH + b * H;
    for (let j = 0; j < H; j++) {
      const ng = Math.tanh(xp[x0 + 2 * H + j] + q[q0 + j]);
      const h = ng + gates[g0 + H + j] * (hs[hPrev + j] - ng);
      hs[hNew + j] = h;
      gates[g0 + 2 * H + j] = ng;
      if (y) y[y0 + j] = h;
    }
  }
}
