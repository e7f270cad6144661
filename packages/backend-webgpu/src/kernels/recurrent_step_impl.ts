import { type KernelDef, kernelFamily, type ScalarType } from '../program.js';
import { WGSL_MATH } from './elementwise_impl.js';

/**
 * WGSL for one time step of a fused recurrent kernel: a small GEMM whose epilogue is the
 * cell's gate math, so a step is one dispatch (GRU with the reset gate before the recurrent
 * product takes two).
 *
 * Thread (b, j) accumulates acc[g] = Σ_k A[aBase + b·lda + k] · W[wOff + k·ldw + g·gs + j] for
 * its G gate columns, with a [WB, TK] tile of A staged in workgroup memory (every thread of a
 * workgroup row shares it). W is read so that neighbouring threads read neighbouring addresses:
 * forward passes W_hhᵀ ([H, G·H], transposed once per call), backward passes W_hh itself.
 *
 * Layouts (all time-major, row-major): xp, dPre, dHp [T, B, G·H]; gates [T, B, GS] with
 * GS = G·H, except 4·H for reset-after GRU, whose 4th block holds W_hn h + b_hn; hAll, cAll
 * [T+1, B, H] with slot 0 the initial state and slot t+1 the state after step t; y, dy and the
 * reset-before GRU's aux (r ⊙ h) [T, B, H]; direct and dc [B, H], the running gradients.
 * Every kernel binds at most 8 storage buffers: WebGPU's default limit.
 */

/** Which step kernel: forward per cell, or a backward stage. */
export type StepStage =
  | 'fwd_rnn_tanh'
  | 'fwd_rnn_relu'
  | 'fwd_lstm'
  | 'fwd_gru'
  | 'fwd_gru_rz' // reset-before GRU, part 1: r, z and r ⊙ h
  | 'fwd_gru_n' // reset-before GRU, part 2: n from W_hn (r ⊙ h), and h'
  | 'bwd_rnn_tanh'
  | 'bwd_rnn_relu'
  | 'bwd_lstm'
  | 'bwd_gru'
  | 'bwd_gru_zn' // reset-before GRU, part 1: dh_t, then dz, dn and the direct dh_{t-1} terms
  | 'bwd_gru_r'; // reset-before GRU, part 2: d(r ⊙ h) = dn_pre W_hn, then dr and its dh_{t-1} term

export interface StepVariant {
  stage: StepStage;
  /** Workgroup: WJ hidden units × WB batch rows. */
  WJ: number;
  WB: number;
}

const TK = 32;

/** Gate columns each thread accumulates. */
export function gemmColumns(stage: StepStage): number {
  switch (stage) {
    case 'fwd_lstm':
      return 4;
    case 'fwd_gru':
      return 3;
    case 'fwd_gru_rz':
      return 2;
    default:
      return 1;
  }
}

export type Buf = readonly [string, 'read' | 'read_write', ScalarType];

/** Storage buffers of each stage, in binding order; `A` is the GEMM's left operand. */
export function buffersOf(stage: StepStage): { buffers: Buf[]; A: string; W: string } {
  const len: Buf = ['len', 'read', 'i32'];
  switch (stage) {
    case 'fwd_rnn_tanh':
    case 'fwd_rnn_relu':
      return {
        A: 'hAll',
        W: 'w',
        buffers: [
          ['xp', 'read', 'f32'],
          ['w', 'read', 'f32'],
          ['bhh', 'read', 'f32'],
          len,
          ['hAll', 'read_write', 'f32'],
          ['y', 'read_write', 'f32'],
          ['gates', 'read_write', 'f32'],
        ],
      };
    case 'fwd_lstm':
      return {
        A: 'hAll',
        W: 'w',
        buffers: [
          ['xp', 'read', 'f32'],
          ['w', 'read', 'f32'],
          ['bhh', 'read', 'f32'],
          len,
          ['hAll', 'read_write', 'f32'],
          ['y', 'read_write', 'f32'],
          ['gates', 'read_write', 'f32'],
          ['cAll', 'read_write', 'f32'],
        ],
      };
    case 'fwd_gru':
      return {
        A: 'hAll',
        W: 'w',
        buffers: [
          ['xp', 'read', 'f32'],
          ['w', 'read', 'f32'],
          ['bhh', 'read', 'f32'],
          len,
          ['hAll', 'read_write', 'f32'],
          ['y', 'read_write', 'f32'],
          ['gates', 'read_write', 'f32'],
        ],
      };
    case 'fwd_gru_n':
      return {
        A: 'aux',
        W: 'w',
        buffers: [
          ['xp', 'read', 'f32'],
          ['w', 'read', 'f32'],
          ['bhh', 'read', 'f32'],
          len,
          ['hAll', 'read_write', 'f32'],
          ['y', 'read_write', 'f32'],
          ['gates', 'read_write', 'f32'],
          ['aux', 'read', 'f32'],
        ],
      };
    case 'fwd_gru_rz':
      return {
        A: 'hAll',
        W: 'w',
        buffers: [
          ['xp', 'read', 'f32'],
          ['w', 'read', 'f32'],
          ['bhh', 'read', 'f32'],
          len,
          ['hAll', 'read', 'f32'],
          ['gates', 'read_write', 'f32'],
          ['aux', 'read_write', 'f32'],
        ],
      };
    case 'bwd_rnn_tanh':
    case 'bwd_rnn_relu':
      return {
        A: 'dPre',
        W: 'w',
        buffers: [['w', 'read', 'f32'], ['dy', 'read', 'f32'], len, ['gates', 'read', 'f32'], ['direct', 'read_write', 'f32'], ['dPre', 'read_write', 'f32']],
      };
    case 'bwd_lstm':
      return {
        A: 'dPre',
        W: 'w',
        buffers: [
          ['w', 'read', 'f32'],
          ['dy', 'read', 'f32'],
          len,
          ['gates', 'read', 'f32'],
          ['direct', 'read_write', 'f32'],
          ['dPre', 'read_write', 'f32'],
          ['cAll', 'read', 'f32'],
          ['dc', 'read_write', 'f32'],
        ],
      };
    case 'bwd_gru':
      return {
        A: 'dHp',
        W: 'w',
        buffers: [
          ['w', 'read', 'f32'],
          ['dy', 'read', 'f32'],
          len,
          ['gates', 'read', 'f32'],
          ['direct', 'read_write', 'f32'],
          ['dPre', 'read_write', 'f32'],
          ['hAll', 'read', 'f32'],
          ['dHp', 'read_write', 'f32'],
        ],
      };
    case 'bwd_gru_zn':
      return {
        A: 'dPre',
        W: 'w',
        buffers: [
          ['w', 'read', 'f32'],
          ['dy', 'read', 'f32'],
          len,
          ['gates', 'read', 'f32'],
          ['direct', 'read_write', 'f32'],
          ['dPre', 'read_write', 'f32'],
          ['hAll', 'read', 'f32'],
        ],
      };
    case 'bwd_gru_r':
      return {
        A: 'dPre',
        W: 'w',
        buffers: [
          ['w', 'read', 'f32'],
          ['gates', 'read', 'f32'],
          ['direct', 'read_write', 'f32'],
          ['dPre', 'read_write', 'f32'],
          ['hAll', 'read', 'f32'],
        ],
      };
  }
}

/**
 * The indices every stage's epilogue uses for unit j of batch row b at step t (WGSL; b, j, t, H
 * and P in scope): bj into [B, H] (states, dh); hi and ho the rows of h_t and h_{t+1} in hAll
 * [T+1, B, H]; xi into the input projection [T, B, GH]; gi into the saved gates [T, B, GS]; yi
 * into y [T, B, H]. One text for the per-step kernels and the sequence kernels.
 */
export const EPILOGUE_INDICES = /* wgsl */ `let bj = b * H + j;
  let hi = t * P.B * H + bj;
  let ho = hi + P.B * H;
  let xi = t * P.B * P.GH + b * P.GH + j;
  let gi = t * P.B * P.GS + b * P.GS + j;
  let yi = hi;`;

/**
 * Epilogue per stage, run by thread (b, j) after the accumulation. In scope: t, b, j, acc,
 * H, B, GH, bj = b·H + j, t (the step), hi (hAll/cAll index of slot t at (b, j)), ho (slot t + 1), xi
 * (xp/dPre/dHp index of gate 0 at step t), gi (the same in gates), yi (y/aux/dy index at step t).
 */
export function epilogue(stage: StepStage): string {
  const mask = /* wgsl */ `let m = i32(t) < len[b];
  let mf = select(0.0, 1.0, m);`;
  const store = /* wgsl */ `let hp = f32(hAll[hi]);
  hAll[ho] = F(select(hp, hn, m));
  y[yi] = F(select(0.0, hn, m));`;
  const dhNew = /* wgsl */ `${mask}
  let dh = f32(direct[bj]) + acc[0];
  var dyv = 0.0;
  if (P.hasDy != 0u) { dyv = f32(dy[yi]); }
  let dhNew = (dh + dyv) * mf;`;
  switch (stage) {
    case 'fwd_rnn_tanh':
    case 'fwd_rnn_relu':
      return /* wgsl */ `${mask}
  let pre = f32(xp[xi]) + acc[0] + bh(j);
  let hn = ${stage === 'fwd_rnn_tanh' ? 'tanh_(pre)' : 'max(pre, 0.0)'};
  gates[gi] = F(hn);
  ${store}`;
    case 'fwd_lstm':
      return /* wgsl */ `${mask}
  let ig = sigm(f32(xp[xi]) + acc[0] + bh(j));
  let fg = sigm(f32(xp[xi + H]) + acc[1] + bh(H + j));
  let gg = tanh_(f32(xp[xi + 2u * H]) + acc[2] + bh(2u * H + j));
  let og = sigm(f32(xp[xi + 3u * H]) + acc[3] + bh(3u * H + j));
  let cp = f32(cAll[hi]);
  let c = fg * cp + ig * gg;
  let hn = og * tanh_(c);
  gates[gi] = F(ig);
  gates[gi + H] = F(fg);
  gates[gi + 2u * H] = F(gg);
  gates[gi + 3u * H] = F(og);
  cAll[ho] = F(select(cp, c, m));
  ${store}`;
    case 'fwd_gru':
      return /* wgsl */ `${mask}
  let r = sigm(f32(xp[xi]) + acc[0] + bh(j));
  let z = sigm(f32(xp[xi + H]) + acc[1] + bh(H + j));
  let hnl = acc[2] + bh(2u * H + j);
  let n = tanh_(f32(xp[xi + 2u * H]) + r * hnl);
  let hn = n + z * (f32(hAll[hi]) - n);
  gates[gi] = F(r);
  gates[gi + H] = F(z);
  gates[gi + 2u * H] = F(n);
  gates[gi + 3u * H] = F(hnl);
  ${store}`;
    case 'fwd_gru_rz':
      return /* wgsl */ `
  let r = sigm(f32(xp[xi]) + acc[0] + bh(j));
  let z = sigm(f32(xp[xi + H]) + acc[1] + bh(H + j));
  gates[gi] = F(r);
  gates[gi + H] = F(z);
  aux[yi] = F(r * f32(hAll[hi]));`;
    case 'fwd_gru_n':
      return /* wgsl */ `${mask}
  let n = tanh_(f32(xp[xi + 2u * H]) + acc[0] + bh(2u * H + j));
  let z = f32(gates[gi + H]);
  let hn = n + z * (f32(hAll[hi]) - n);
  gates[gi + 2u * H] = F(n);
  ${store}`;
    case 'bwd_rnn_tanh':
    case 'bwd_rnn_relu':
      return /* wgsl */ `${dhNew}
  let hn = f32(gates[gi]);
  dPre[xi] = F(${stage === 'bwd_rnn_tanh' ? 'dhNew * (1.0 - hn * hn)' : 'select(0.0, dhNew, hn > 0.0)'});
  direct[bj] = F((1.0 - mf) * dh);`;
    case 'bwd_lstm':
      return /* wgsl */ `${dhNew}
  let ig = f32(gates[gi]);
  let fg = f32(gates[gi + H]);
  let gg = f32(gates[gi + 2u * H]);
  let og = f32(gates[gi + 3u * H]);
  let cp = f32(cAll[hi]);
  let tc = tanh_(fg * cp + ig * gg);
  let dO = dhNew * tc;
  let dcv = f32(dc[bj]);
  let dcNew = dhNew * og * (1.0 - tc * tc) + mf * dcv;
  dc[bj] = F(dcNew * fg + (1.0 - mf) * dcv);
  dPre[xi] = F(dcNew * gg * ig * (1.0 - ig));
  dPre[xi + H] = F(dcNew * cp * fg * (1.0 - fg));
  dPre[xi + 2u * H] = F(dcNew * ig * (1.0 - gg * gg));
  dPre[xi + 3u * H] = F(dO * og * (1.0 - og));
  direct[bj] = F((1.0 - mf) * dh);`;
    case 'bwd_gru':
      return /* wgsl */ `${dhNew}
  let r = f32(gates[gi]);
  let z = f32(gates[gi + H]);
  let n = f32(gates[gi + 2u * H]);
  let dnPre = dhNew * (1.0 - z) * (1.0 - n * n);
  let dzPre = dhNew * (f32(hAll[hi]) - n) * z * (1.0 - z);
  let drPre = dnPre * f32(gates[gi + 3u * H]) * r * (1.0 - r);
  dPre[xi] = F(drPre);
  dPre[xi + H] = F(dzPre);
  dPre[xi + 2u * H] = F(dnPre);
  dHp[xi] = F(drPre);
  dHp[xi + H] = F(dzPre);
  dHp[xi + 2u * H] = F(dnPre * r);
  direct[bj] = F((1.0 - mf) * dh + dhNew * z);`;
    case 'bwd_gru_zn':
      return /* wgsl */ `${dhNew}
  let z = f32(gates[gi + H]);
  let n = f32(gates[gi + 2u * H]);
  dPre[xi + H] = F(dhNew * (f32(hAll[hi]) - n) * z * (1.0 - z));
  dPre[xi + 2u * H] = F(dhNew * (1.0 - z) * (1.0 - n * n));
  direct[bj] = F((1.0 - mf) * dh + dhNew * z);`;
    case 'bwd_gru_r':
      return /* wgsl */ `
  let r = f32(gates[gi]);
  dPre[xi] = F(acc[0] * f32(hAll[hi]) * r * (1.0 - r));
  direct[bj] = F(f32(direct[bj]) + acc[0] * r);`;
  }
}

const PARAMS: readonly (readonly [string, ScalarType])[] = [
  ['t', 'u32'],
  ['B', 'u32'],
  ['H', 'u32'],
  ['GH', 'u32'],
  ['GS', 'u32'],
  ['K', 'u32'],
  ['aBase', 'u32'],
  ['lda', 'u32'],
  ['wOff', 'u32'],
  ['ldw', 'u32'],
  ['doGemm', 'u32'],
  ['hasBhh', 'u32'],
  ['hasDy', 'u32'],
  ['finalDh', 'u32'],
];

export const stepKernel = kernelFamily((v: StepVariant): KernelDef => {
  const { stage, WJ, WB } = v;
  const G = gemmColumns(stage);
  const { buffers, A, W } = buffersOf(stage);
  const fwd = stage.startsWith('fwd');
  const accumulate = Array.from({ length: G }, (_, g) => `acc[${g}] += av * f32(${W}[wi + ${g}u * H]);`).join('\n          ');
  const code = /* wgsl */ `${WGSL_MATH}
const WJ = ${WJ}u;
const WB = ${WB}u;
const TK = ${TK}u;
var<workgroup> As: array<f32, ${WB * TK}>;
${fwd ? `fn bh(k: u32) -> f32 {\n  if (P.hasBhh != 0u) { return f32(bhh[k]); }\n  return 0.0;\n}` : ''}

@compute @workgroup_size(${WJ}, ${WB})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let H = P.H;
  let j = wid.x * WJ + lid.x;
  let b = wid.y * WB + lid.y;
  let tid = lid.y * WJ + lid.x;
  var acc: array<f32, ${G}>;
  if (P.doGemm != 0u) {
    for (var k0 = 0u; k0 < P.K; k0 += TK) {
      for (var e = tid; e < WB * TK; e += WJ * WB) {
        let bb = wid.y * WB + e / TK;
        let kk = k0 + e % TK;
        var v = 0.0;
        if (bb < P.B && kk < P.K) { v = f32(${A}[P.aBase + bb * P.lda + kk]); }
        As[e] = v;
      }
      workgroupBarrier();
      if (b < P.B && j < H) {
        let kn = min(TK, P.K - k0);
        for (var kk = 0u; kk < kn; kk++) {
          let av = As[lid.y * TK + kk];
          let wi = P.wOff + (k0 + kk) * P.ldw + j;
          ${accumulate}
        }
      }
      workgroupBarrier();
    }
  }
  if (b >= P.B || j >= H) { return; }
  let t = P.t;
  ${EPILOGUE_INDICES}
  ${stage.startsWith('bwd') && stage !== 'bwd_gru_r' ? 'if (P.finalDh != 0u) {\n    direct[bj] = F(f32(direct[bj]) + acc[0]);\n    return;\n  }' : ''}
  ${epilogue(stage)}
}`;
  return { key: `step_${stage}_${WJ}x${WB}`, params: PARAMS, buffers, code };
});

/** Workgroup shape for batch B: up to 8 batch rows, 64 threads in all. */
export function stepShape(B: number): { WJ: number; WB: number } {
  const WB = Math.min(8, 2 ** Math.ceil(Math.log2(Math.max(1, B))));
  return { WJ: 64 / WB, WB };
}
