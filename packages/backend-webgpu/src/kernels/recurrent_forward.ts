import type { CellKind, RecurrentForwardArgs, RecurrentForwardResult, RecurrentSaved, Tensor } from '@rnnkit/core';
import { RnnkitError, formatShape, gateCount } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { GpuBuf } from '../pool.js';
import type { WebgpuTensor } from '../tensor.js';
import { encodeCopy2d } from './copy2d.js';
import { encodeGemm } from './matmul.js';
import { stepKernel, stepShape, type StepStage } from './recurrent_step.js';

/** What the fused backward needs: every state and activated gate, on the device. */
export class WebgpuRecurrentSaved implements RecurrentSaved {
  private released = false;
  constructor(
    readonly owner: WebgpuBackend,
    readonly dims: { T: number; B: number; D: number; H: number; cell: CellKind; gruResetAfter: boolean },
    /** [T+1, B, H]: slot 0 is h0, slot t+1 the (masked) state after step t. */
    readonly hAll: GpuBuf,
    /** [T, B, GS]: activated gates (RNN: the unmasked new state; reset-after GRU: then W_hn h + b_hn). */
    readonly gates: GpuBuf,
    /** Row stride of `gates`. */
    readonly gateStride: number,
    /** LSTM [T+1, B, H] cell states. */
    readonly cAll: GpuBuf | undefined,
    /** Reset-before GRU [T, B, H]: r ⊙ h. */
    readonly aux: GpuBuf | undefined,
  ) {}
  get disposed(): boolean {
    return this.released;
  }
  dispose(): void {
    if (this.released) return;
    this.released = true;
    for (const b of [this.hAll, this.gates, this.cAll, this.aux]) if (b) this.owner.releaseBuffer(b);
  }
}

function shapeIs(op: string, argument: string, x: Tensor, want: readonly number[]): void {
  if (x.shape.length !== want.length || x.shape.some((d, i) => d !== want[i])) {
    throw new RnnkitError('SHAPE_MISMATCH', `${op}: ${argument}: expected ${formatShape(want)}, got ${formatShape(x.shape)}`, { argument });
  }
}

export interface CheckedRecurrent {
  T: number;
  B: number;
  D: number;
  H: number;
  G: number;
  x: WebgpuTensor;
  wIh: WebgpuTensor;
  wHh: WebgpuTensor;
  bIh?: WebgpuTensor;
  bHh?: WebgpuTensor;
  h0: WebgpuTensor;
  c0?: WebgpuTensor;
  /** Per-sequence lengths (all T when absent). */
  lengths: Int32Array;
}

/** Validates the forward arguments (shared with backward, which re-checks what it is given). */
export function checkRecurrentArgs(be: WebgpuBackend, op: string, a: RecurrentForwardArgs): CheckedRecurrent {
  if (!a || typeof a !== 'object') throw new RnnkitError('INVALID_ARGUMENT', `${op}: args: expected an object`, { argument: 'args' });
  if (!['rnn_tanh', 'rnn_relu', 'lstm', 'gru'].includes(a.cell)) {
    throw new RnnkitError('UNKNOWN_CELL', `${op}: cell: expected one of rnn_tanh, rnn_relu, lstm, gru, got ${JSON.stringify(a.cell)}`, { argument: 'cell' });
  }
  const x = be.own(op, 'x', a.x);
  if (x.shape.length !== 3) throw new RnnkitError('SHAPE_MISMATCH', `${op}: x: expected [T, B, D], got ${formatShape(x.shape)}`, { argument: 'x' });
  const [T, B, D] = x.shape;
  const G = gateCount(a.cell);
  const wHh = be.own(op, 'weightHh', a.weightHh);
  if (wHh.shape.length !== 2 || wHh.shape[0] !== G * wHh.shape[1]) {
    throw new RnnkitError('SHAPE_MISMATCH', `${op}: weightHh: expected [${G}·H, H] for ${a.cell}, got ${formatShape(wHh.shape)}`, { argument: 'weightHh' });
  }
  const H = wHh.shape[1];
  const wIh = be.own(op, 'weightIh', a.weightIh);
  shapeIs(op, 'weightIh', wIh, [G * H, D]);
  const bIh = a.biasIh ? be.own(op, 'biasIh', a.biasIh) : undefined;
  const bHh = a.biasHh ? be.own(op, 'biasHh', a.biasHh) : undefined;
  if (bIh) shapeIs(op, 'biasIh', bIh, [G * H]);
  if (bHh) shapeIs(op, 'biasHh', bHh, [G * H]);
  const h0 = be.own(op, 'h0', a.h0);
  shapeIs(op, 'h0', h0, [B, H]);
  const c0 = a.cell === 'lstm' && a.c0 ? be.own(op, 'c0', a.c0) : undefined;
  if (c0) shapeIs(op, 'c0', c0, [B, H]);
  let lengths: Int32Array;
  if (a.lengths !== undefined) {
    if (!(a.lengths instanceof Int32Array) || a.lengths.length !== B) {
      throw new RnnkitError('INVALID_LENGTHS', `${op}: lengths: expected an Int32Array of ${B} lengths, got ${a.lengths instanceof Int32Array ? a.lengths.length : typeof a.lengths}`, {
        argument: 'lengths',
      });
    }
    a.lengths.forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0 || l > T) {
        throw new RnnkitError('INVALID_LENGTHS', `${op}: lengths[${i}]: expected an integer in [0, ${T}], got ${l}`, { argument: `lengths[${i}]` });
      }
    });
    lengths = a.lengths;
  } else {
    lengths = new Int32Array(B).fill(T);
  }
  return { T, B, D, H, G, x, wIh, wHh, ...(bIh ? { bIh } : {}), ...(bHh ? { bHh } : {}), h0, ...(c0 ? { c0 } : {}), lengths };
}

/**
 * Fused forward of one layer direction over the whole sequence, as ONE command buffer:
 * xp = x W_ihᵀ + b_ih for all T·B rows in one GEMM, W_hh transposed once, then per step one
 * dispatch (two for reset-before GRU) that does the recurrent GEMM and the gate math, writing
 * y_t, the masked state and (for backward) the activated gates. Matches core's composite
 * kernel: steps t ≥ lengths[b] keep b's state and output zeros.
 */
export function recurrentForward(be: WebgpuBackend, a: RecurrentForwardArgs): RecurrentForwardResult {
  const op = 'recurrentForward';
  const c = checkRecurrentArgs(be, op, a);
  const { T, B, D, H, G } = c;
  const GH = G * H;
  const lstm = a.cell === 'lstm';
  const gru = a.cell === 'gru';
  const resetBefore = gru && !a.gruResetAfter;
  const training = Boolean(a.training);
  be.checkBytes(op, (T + 1) * B * Math.max(GH, D));

  const y = be.alloc([T, B, H]);
  const hN = be.alloc([B, H]);
  const cN = lstm ? be.alloc([B, H]) : undefined;
  const p = be.program();
  // Kept for backward when training, else released after submit.
  const keep = (bytes: number): GpuBuf => (training ? be.acquireBuffer(bytes) : p.temp(bytes));
  const GS = gru && !resetBefore ? GH + H : GH;
  const hAll = keep((T + 1) * B * H * 4);
  const gates = keep(T * B * GS * 4);
  const cAll = lstm ? keep((T + 1) * B * H * 4) : undefined;
  const aux = resetBefore ? keep(T * B * H * 4) : undefined;
  const xp = p.temp(T * B * GH * 4);
  const wt = p.temp(H * GH * 4);
  const len = p.tempData(c.lengths);

  if (T * B > 0 && GH > 0) {
    if (D > 0) {
      encodeGemm(
        p,
        {
          M: T * B,
          N: GH,
          K: D,
          a: { buf: c.x.buf, ld: D },
          b: { buf: c.wIh.buf, ld: D },
          transB: true,
          ...(c.bIh ? { c: { buf: c.bIh.buf, ld: 0 }, beta: 1 } : {}),
          out: { buf: xp, ld: GH },
        },
        be.dummy(),
      );
    } else if (c.bIh) {
      encodeCopy2d(p, c.bIh.buf, xp, { rows: T * B, width: GH, sLd: 0, dLd: GH }, be.maxWorkgroups);
    } else {
      p.clear(xp, T * B * GH * 4);
    }
    encodeCopy2d(p, c.wHh.buf, wt, { rows: GH, width: H, sLd: H, dLd: GH, transpose: true }, be.maxWorkgroups);
  }
  p.copy(c.h0.buf, 0, hAll, 0, B * H * 4);
  if (cAll) {
    if (c.c0) p.copy(c.c0.buf, 0, cAll, 0, B * H * 4);
    else p.clear(cAll, B * H * 4);
  }

  const shape = stepShape(B);
  const groups = [Math.ceil(H / shape.WJ), Math.ceil(B / shape.WB)] as const;
  const bhh = c.bHh?.buf ?? be.dummy();
  const common = { B, H, GH, GS, hasBhh: c.bHh !== undefined, hasDy: false, finalDh: false, doGemm: H > 0 };
  const stage = (s: StepStage) => stepKernel({ stage: s, ...shape });
  for (let t = 0; t < T; t++) {
    const hStep = { ...common, t, K: H, aBase: t * B * H, lda: H };
    switch (a.cell) {
      case 'rnn_tanh':
      case 'rnn_relu':
        p.dispatch(stage(a.cell === 'rnn_tanh' ? 'fwd_rnn_tanh' : 'fwd_rnn_relu'), { ...hStep, wOff: 0, ldw: GH }, [xp, wt, bhh, len, hAll, y.buf, gates], groups);
        break;
      case 'lstm':
        p.dispatch(stage('fwd_lstm'), { ...hStep, wOff: 0, ldw: GH }, [xp, wt, bhh, len, hAll, y.buf, gates, cAll!], groups);
        break;
      case 'gru':
        if (!resetBefore) {
          p.dispatch(stage('fwd_gru'), { ...hStep, wOff: 0, ldw: GH }, [xp, wt, bhh, len, hAll, y.buf, gates], groups);
        } else {
          p.dispatch(stage('fwd_gru_rz'), { ...hStep, wOff: 0, ldw: GH }, [xp, wt, bhh, len, hAll, gates, aux!], groups);
          p.dispatch(stage('fwd_gru_n'), { ...hStep, wOff: 2 * H, ldw: GH }, [xp, wt, bhh, len, hAll, y.buf, gates, aux!], groups);
        }
        break;
    }
  }
  p.copy(hAll, T * B * H * 4, hN.buf, 0, B * H * 4);
  if (cN) p.copy(cAll!, T * B * H * 4, cN.buf, 0, B * H * 4);
  p.submit();

  const saved = training
    ? new WebgpuRecurrentSaved(be, { T, B, D, H, cell: a.cell, gruResetAfter: a.gruResetAfter }, hAll, gates, GS, cAll, aux)
    : undefined;
  return { y, hN, ...(cN ? { cN } : {}), ...(saved ? { saved } : {}) };
}
