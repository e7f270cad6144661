import type { RecurrentBackwardArgs, RecurrentBackwardResult } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';
import { recurrentBackwardWasm } from '../wasm/recurrent_backward.js';
import { gemm, gemmNN } from './gemm_impl.js';
import type { CpuRecurrentSaved, ResolvedRecurrent } from './recurrent_impl.js';
import { resolveBackward, transposeRows } from './recurrent_impl.js';

/** dx ([T, B, D] or batch-first; absent with `inputGrad: false`), dh0, dc0 and the weight gradients. */
export type RecurrentBackwardOutput = RecurrentBackwardResult<CpuTensor>;

/**
 * Backward of `recurrentForward` on the engine that made `saved` (core passes only a `saved` of
 * this backend's own forward): the SIMD engine's (wasm/recurrent_backward.ts) or the TypeScript
 * one below.
 */
export function recurrentBackward(ctx: CpuContext, args: RecurrentBackwardArgs<CpuTensor>): RecurrentBackwardOutput {
  return ctx.wasm ? recurrentBackwardWasm(ctx.wasm, args) : recurrentBackwardJs(args);
}

/** Buffers of one backward pass. */
interface BackwardState {
  r: ResolvedRecurrent;
  s: CpuRecurrentSaved;
  /** [T*B, G*H]: d(pre-activation) of every gate on the input side. */
  dXp: Float32Array;
  /** [T*B, G*H]: d(recurrent GEMM output); the same buffer as dXp except for GRU reset-after. */
  dHp: Float32Array;
  /** [T, B, H] upstream gradient of y, if any. */
  dy: Float32Array | undefined;
  /** [B, H] gradient reaching the state carried out of step t. */
  dh: Float32Array;
  /** [B, H] gradient for the state carried into step t (built during the step). */
  dhPrev: Float32Array;
  /** LSTM: [B, H] gradient of the carried cell state, updated in place. */
  dc: Float32Array | undefined;
}

/**
 * BPTT for `recurrentForward`, the cuDNN way. Walking the steps backwards, one fused pass per
 * step writes that step's gate gradients into a [T*B, G*H] buffer and one GEMM carries the
 * gradient into h_prev. Afterwards dx, dW_ih, db_ih and dW_hh (dGatesHidden^T · h_prev over all
 * steps) are each one GEMM or reduction over all steps. Matches core's composite backward.
 */
function recurrentBackwardJs(args: RecurrentBackwardArgs<CpuTensor>): RecurrentBackwardOutput {
  const { r, s, dy: dyIn, dhN, dcN } = resolveBackward(args);
  const dy = r.batchFirst && dyIn ? transposeRows(dyIn, r.B, r.T, r.H) : dyIn; // time-major from here on
  const { cell, T, B, D, H, G } = r;
  const GH = G * H;
  const BH = B * H;
  const TB = T * B;

  const resetAfterGru = cell === 'gru' && r.resetAfter;
  const resetBefore = cell === 'gru' && !r.resetAfter;
  const dXp = new Float32Array(TB * GH);
  const st: BackwardState = {
    r,
    s,
    dXp,
    dHp: resetAfterGru ? new Float32Array(TB * GH) : dXp,
    dy,
    dh: dhN ? dhN.slice() : new Float32Array(BH),
    dhPrev: new Float32Array(BH),
    dc: cell === 'lstm' ? (dcN ? dcN.slice() : new Float32Array(BH)) : undefined,
  };
  const dRh = resetBefore ? new Float32Array(BH) : undefined;
  // Rows of W_hh the step's recurrent GEMM used: all of them, or r and z for GRU reset-before.
  const Nrec = resetBefore ? 2 * H : GH;

  for (let t = T - 1; t >= 0; t--) {
    switch (cell) {
      case 'rnn_tanh':
      case 'rnn_relu':
        rnnStepBack(st, t, cell === 'rnn_relu');
        break;
      case 'lstm':
        lstmStepBack(st, t);
        break;
      case 'gru':
        gruStepBackUpdate(st, t);
        if (resetBefore) {
          // d(r ⊙ h) = dn_pre · W_hn, then the reset gate's share.
          gemmNN(B, H, H, 1, dXp, t * B * GH + 2 * H, GH, r.weightHh, 2 * H * H, H, dRh!, 0, H, false);
          gruResetBeforeStepBack(st, t, dRh!);
        } else {
          gruResetAfterStepBack(st, t);
        }
        break;
    }
    // dh_prev += dGatesHidden_t [B, Nrec] · W_hh[0:Nrec] [Nrec, H]
    gemmNN(B, H, Nrec, 1, st.dHp, t * B * GH, GH, r.weightHh, 0, H, st.dhPrev, 0, H, true);
    const next = st.dh;
    st.dh = st.dhPrev;
    st.dhPrev = next;
  }

  // Every weight gradient as one GEMM over all T*B rows.
  let dx: Float32Array | undefined;
  if (args.inputGrad !== false) {
    dx = new Float32Array(TB * D);
    gemm({ M: TB, N: D, K: GH, a: dXp, b: r.weightIh, out: dx });
  }
  const dWeightIh = new Float32Array(GH * D);
  gemm({ M: GH, N: D, K: TB, a: dXp, transA: true, b: r.batchFirst ? transposeRows(r.x, B, T, D) : r.x, out: dWeightIh });
  const dWeightHh = new Float32Array(GH * H);
  const hPrevAll = s.hs.subarray(0, TB * H); // [T*B, H]: h_prev of every step
  if (resetBefore) {
    gemm({ M: 2 * H, N: H, K: TB, a: dXp, lda: GH, transA: true, b: hPrevAll, out: dWeightHh });
    gemm({ M: H, N: H, K: TB, a: dXp, aOffset: 2 * H, lda: GH, transA: true, b: s.aux!, out: dWeightHh, outOffset: 2 * H * H });
  } else {
    gemm({ M: GH, N: H, K: TB, a: st.dHp, transA: true, b: hPrevAll, out: dWeightHh });
  }
  const dBiasIh = r.biasIh ? columnSums(dXp, TB, GH) : undefined;
  let dBiasHh: Float32Array | undefined;
  if (r.biasHh) dBiasHh = st.dHp === dXp && dBiasIh ? dBiasIh.slice() : columnSums(st.dHp, TB, GH);

  return {
    ...(dx ? { dx: r.batchFirst ? new CpuTensor(transposeRows(dx, T, B, D), [B, T, D]) : new CpuTensor(dx, [T, B, D]) } : {}),
    dh0: new CpuTensor(st.dh, [B, H]),
    ...(st.dc ? { dc0: new CpuTensor(st.dc, [B, H]) } : {}),
    dWeightIh: new CpuTensor(dWeightIh, [GH, D]),
    dWeightHh: new CpuTensor(dWeightHh, [GH, H]),
    ...(dBiasIh ? { dBiasIh: new CpuTensor(dBiasIh, [GH]) } : {}),
    ...(dBiasHh ? { dBiasHh: new CpuTensor(dBiasHh, [GH]) } : {}),
  };
}

function columnSums(x: Float32Array, rows: number, cols: number): Float32Array {
  const acc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) acc[j] += x[o + j];
  }
  return Float32Array.from(acc);
}

/** Past its length a row's carried gradient passes straight to the previous step. */
function passThrough(st: BackwardState, b: number, H: number): void {
  st.dhPrev.set(st.dh.subarray(b * H, b * H + H), b * H);
}

/** d(pre) = (dh + dy_t) ⊙ act'(h'), with h' read back from the saved states. */
function rnnStepBack(st: BackwardState, t: number, relu: boolean): void {
  const { B, H, lengths } = st.r;
  const { dXp, dy, dh, dhPrev } = st;
  const hs = st.s.hs;
  const BH = B * H;
  for (let b = 0; b < B; b++) {
    if (lengths && t >= lengths[b]) {
      passThrough(st, b, H);
      continue;
    }
    const o = (t * B + b) * H; // row of dXp, dy; H = G*H here
    const hNew = (t + 1) * BH + b * H;
    for (let j = 0; j < H; j++) {
      const g = dy ? dh[b * H + j] + dy[o + j] : dh[b * H + j];
      const h = hs[hNew + j];
      dXp[o + j] = relu ? (h > 0 ? g : 0) : g * (1 - h * h);
      dhPrev[b * H + j] = 0;
    }
  }
}

/** LSTM step: gate gradients from dh' and the carried dc; dc ← dc' ⊙ f for the previous step. */
function lstmStepBack(st: BackwardState, t: number): void {
  const { B, H, lengths } = st.r;
  const { dXp, dy, dh, dhPrev } = st;
  const dc = st.dc!;
  const gates = st.s.gates!;
  const tanhC = st.s.tanhC!;
  const cs = st.s.cs!;
  const BH = B * H;
  const GH = 4 * H;
  for (let b = 0; b < B; b++) {
    if (lengths && t >= lengths[b]) {
      passThrough(st, b, H); // dc holds as well
      continue;
    }
    const d0 = (t * B + b) * GH; // row of dXp and of the saved gates
    const s0 = t * BH + b * H; // row of dy, tanhC and c_prev (cs[t])
    const r0 = b * H;
    for (let j = 0; j < H; j++) {
      const dhn = dy ? dh[r0 + j] + dy[s0 + j] : dh[r0 + j];
      const ig = gates[d0 + j];
      const fg = gates[d0 + H + j];
      const gg = gates[d0 + 2 * H + j];
      const og = gates[d0 + 3 * H + j];
      const tc = tanhC[s0 + j];
      const dcn = dhn * og * (1 - tc * tc) + dc[r0 + j];
      dc[r0 + j] = dcn * fg;
      dXp[d0 + j] = dcn * gg * ig * (1 - ig);
      dXp[d0 + H + j] = dcn * cs[s0 + j] * fg * (1 - fg);
      dXp[d0 + 2 * H + j] = dcn * ig * (1 - gg * gg);
      dXp[d0 + 3 * H + j] = dhn * tc * og * (1 - og);
      dhPrev[r0 + j] = 0;
    }
  }
}

/**
 * GRU, both variants, h' = n + z ⊙ (h − n): writes dz_pre and dn_pre into dXp and the direct
 * term dh' ⊙ z into dh_prev. The reset gate follows in a variant-specific pass.
 */
function gruStepBackUpdate(st: BackwardState, t: number): void {
  const { B, H, lengths } = st.r;
  const { dXp, dy, dh, dhPrev } = st;
  const gates = st.s.gates!;
  const hs = st.s.hs;
  const BH = B * H;
  const GH = 3 * H;
  for (let b = 0; b < B; b++) {
    if (lengths && t >= lengths[b]) {
      passThrough(st, b, H);
      continue;
    }
    const d0 = (t * B + b) * GH;
    const s0 = t * BH + b * H; // row of dy and of h_prev (hs[t])
    const r0 = b * H;
    for (let j = 0; j < H; j++) {
      const dhn = dy ? dh[r0 + j] + dy[s0 + j] : dh[r0 + j];
      const zg = gates[d0 + H + j];
      const ng = gates[d0 + 2 * H + j];
      const dn = dhn * (1 - zg);
      const dz = dhn * (hs[s0 + j] - ng);
      dXp[d0 + H + j] = dz * zg * (1 - zg);
      dXp[d0 + 2 * H + j] = dn * (1 - ng * ng);
      dhPrev[r0 + j] = dhn * zg;
    }
  }
}

/** Reset-after: n_pre = xp_n + r ⊙ a, a = W_hn h + b_hn, so dr = dn_pre ⊙ a and d(a) = dn_pre ⊙ r. */
function gruResetAfterStepBack(st: BackwardState, t: number): void {
  const { B, H, lengths } = st.r;
  const { dXp, dHp } = st;
  const gates = st.s.gates!;
  const aux = st.s.aux!;
  const BH = B * H;
  const GH = 3 * H;
  for (let b = 0; b < B; b++) {
    if (lengths && t >= lengths[b]) continue;
    const d0 = (t * B + b) * GH;
    const a0 = t * BH + b * H;
    for (let j = 0; j < H; j++) {
      const rg = gates[d0 + j];
      const dnPre = dXp[d0 + 2 * H + j];
      const drPre = dnPre * aux[a0 + j] * rg * (1 - rg);
      dXp[d0 + j] = drPre;
      dHp[d0 + j] = drPre;
      dHp[d0 + H + j] = dXp[d0 + H + j];
      dHp[d0 + 2 * H + j] = dnPre * rg;
    }
  }
}

/** Reset-before: n_pre = xp_n + W_hn (r ⊙ h), so with dRh = dn_pre · W_hn, dr = dRh ⊙ h and dh_prev += dRh ⊙ r. */
function gruResetBeforeStepBack(st: BackwardState, t: number, dRh: Float32Array): void {
  const { B, H, lengths } = st.r;
  const { dXp, dhPrev } = st;
  const gates = st.s.gates!;
  const hs = st.s.hs;
  const BH = B * H;
  const GH = 3 * H;
  for (let b = 0; b < B; b++) {
    if (lengths && t >= lengths[b]) continue;
    const d0 = (t * B + b) * GH;
    const s0 = t * BH + b * H;
    const r0 = b * H;
    for (let j = 0; j < H; j++) {
      const rg = gates[d0 + j];
      const g = dRh[r0 + j];
      dXp[d0 + j] = g * hs[s0 + j] * rg * (1 - rg);
      dhPrev[r0 + j] += g * rg;
    }
  }
}
