import type { RecurrentForwardArgs } from '@rnnkit/core/backend';
import type { RecurrentForwardOutput } from '../kernels/recurrent_forward.js';
import type { ResidentBuffers } from '../kernels/recurrent_impl.js';
import { CpuRecurrentSaved, resolveRecurrent } from '../kernels/recurrent_impl.js';
import { CpuTensor } from '../tensor.js';
import type { WasmArena } from './arena.js';
import { putTimeMajor, takeBatchFirst } from './layout.js';
import type { WasmKernels } from './load.js';

/**
 * A training forward's saved buffers left in the arena: backward on the same arena, with no
 * kernel call in between, reads them where they are (`resident.arena.resume(saved)`); any other
 * call's reset first copies them out into the `CpuRecurrentSaved` fields.
 */
export class WasmResident implements ResidentBuffers {
  constructor(
    readonly arena: WasmArena,
    readonly saved: CpuRecurrentSaved,
    /** Byte addresses in the arena (0 where the cell keeps no such buffer). */
    readonly hs: number,
    readonly cs: number,
    readonly gates: number,
    readonly tanhC: number,
    readonly aux: number,
    /** Width of a gates row, G·H. */
    readonly GH: number,
  ) {}
  materialize(): void {
    const { arena: A, saved: s } = this;
    if (s.resident !== this) return;
    s.resident = undefined;
    const BH = s.B * s.H;
    const TB = s.T * s.B;
    s.hs = A.take(this.hs, (s.T + 1) * BH);
    if (this.cs) s.cs = A.take(this.cs, (s.T + 1) * BH);
    if (this.gates) s.gates = A.take(this.gates, TB * this.GH);
    if (this.tanhC) s.tanhC = A.take(this.tanhC, TB * s.H);
    if (this.aux) s.aux = A.take(this.aux, TB * s.H);
    A.release(s);
  }
  release(): void {
    if (this.saved.resident === this) this.saved.resident = undefined;
    this.arena.release(this.saved);
  }
}

/**
 * `recurrentForward` on the SIMD kernels, the same algorithm and buffers as
 * kernels/recurrent_forward.ts: one GEMM projects every step's input, W_hh is packed once for
 * the whole sequence, then each step runs the recurrent GEMM (h_prev [B, H] · W_hh^T) and the
 * fused gate math, all inside the module's memory. Inputs are copied in once and the results
 * (and, when training, what backward needs) copied out once.
 */
export function recurrentForwardWasm(w: WasmKernels, args: RecurrentForwardArgs<CpuTensor>): RecurrentForwardOutput {
  const r = resolveRecurrent(args);
  const { cell, T, B, D, H, G, lengths } = r;
  const { k, arena: A } = w;
  const GH = G * H;
  const BH = B * H;
  const TB = T * B;
  const training = args.training;
  const lstm = cell === 'lstm';
  const gru = cell === 'gru';
  const resetBefore = gru && !r.resetAfter;
  const Nrec = resetBefore ? 2 * H : GH; // columns of the per-step GEMM
  const steps = training ? T : 1; // per-step buffers are kept for backward only when training
  const F = 4;

  // Biases folded into the projection, in double then rounded once, as the JS path does
  // (b_hn stays apart for GRU reset-after: it sits inside r ⊙ (W_hn h + b_hn)).
  const bhn = gru && r.resetAfter && r.biasHh ? r.biasHh.subarray(2 * H, 3 * H) : undefined;
  let bias: Float32Array | undefined;
  if (r.biasIh || r.biasHh) {
    const acc = new Float64Array(GH);
    if (r.biasIh) for (let j = 0; j < GH; j++) acc[j] = r.biasIh[j];
    if (r.biasHh) for (let j = 0; j < (bhn ? 2 * H : GH); j++) acc[j] += r.biasHh[j];
    bias = Float32Array.from(acc);
  }

  // The whole working set, in allocation order, refused before anything is copied in when the
  // arena can't hold it (past wasm32's 4 GiB, or memory the engine can't get).
  const wide = B < 4; // a batch of one to three: the one-row kernel over 32-column panels
  const TBD = TB * D;
  A.reserve(
    'recurrentForward',
    'x',
    [
      ...(r.batchFirst ? [TBD * F, TBD * F] : [TBD * F]),
      GH * D * F,
      GH * H * F,
      bias ? GH * F : 0,
      bhn ? H * F : 0,
      lengths ? B * 4 : 0,
      TB * GH * F,
      B * Nrec * F,
      k.packedBytes(H, Nrec, wide),
      resetBefore ? k.packedBytes(H, H, wide) : 0,
      resetBefore ? BH * F : 0,
      (T + 1) * BH * F,
      lstm ? (training ? T + 1 : 2) * BH * F : 0,
      lstm || gru ? steps * B * GH * F : 0,
      lstm ? steps * BH * F : 0,
      gru ? steps * BH * F : 0,
      lengths ? TB * H * F : 0,
      k.gemmWorkBytes(),
      r.batchFirst ? TB * H * F : 0,
    ],
    true,
    { cell, T, B, D, H, training },
  );

  A.reset();
  const x = r.batchFirst ? putTimeMajor(w, r.x, B, T, D) : A.put(r.x);
  const wih = A.put(r.weightIh);
  const whh = A.put(r.weightHh);
  const pBias = bias ? A.put(bias) : 0;
  const pBhn = bhn ? A.put(bhn) : 0;
  const len = lengths ? A.putI32(lengths) : 0;
  const xp = A.alloc(TB * GH * F);
  const hp = A.alloc(B * Nrec * F);
  const whhP = A.alloc(k.packedBytes(H, Nrec, wide));
  const whnP = resetBefore ? A.alloc(k.packedBytes(H, H, wide)) : 0;
  const q = resetBefore ? A.alloc(BH * F) : 0;
  const hs = A.alloc((T + 1) * BH * F);
  const cs = lstm ? A.alloc((training ? T + 1 : 2) * BH * F) : 0;
  // Padded rows are never written; zeros there keep backward's all-rows GEMMs exact.
  const buf = (bytes: number): number => (lengths ? A.zeros(bytes) : A.alloc(bytes));
  const gates = lstm || gru ? buf(steps * B * GH * F) : 0;
  const tanhC = lstm ? buf(steps * BH * F) : 0;
  const aux = gru ? buf(steps * BH * F) : 0;
  const y = lengths ? A.alloc(TB * H * F) : 0; // otherwise y is hs[1..T]
  const work = A.alloc(k.gemmWorkBytes());
  A.f32(hs, BH).set(r.h0);
  if (lstm) {
    if (r.c0) A.f32(cs, BH).set(r.c0);
    else A.f32(cs, BH).fill(0);
  }

  k.gemm(TB, GH, D, 1, x, D, false, wih, D, true, xp, GH, false, work);
  if (pBias) k.addRowVector(TB, GH, xp, pBias);
  k.packB(H, Nrec, whh, H, true, whhP, wide); // W_hh[0:Nrec]^T as [H, Nrec]
  if (resetBefore) k.packB(H, H, whh + 2 * H * H * F, H, true, whnP, wide);

  const stepBytes = BH * F;
  for (let t = 0; t < T; t++) {
    const hPrev = hs + t * stepBytes;
    const hNew = hPrev + stepBytes;
    const xpt = xp + t * B * GH * F;
    const yt = y ? y + t * stepBytes : 0;
    const s = training ? t : 0;
    k.gemmPacked(B, Nrec, H, 1, hPrev, H, false, whhP, wide, hp, Nrec, false, work);
    switch (cell) {
      case 'rnn_tanh':
      case 'rnn_relu':
        k.rnnStep(B, H, cell === 'rnn_relu', xpt, hp, hPrev, hNew, yt, len, t);
        break;
      case 'lstm': {
        const cPrev = cs + (training ? t : t & 1) * stepBytes;
        const cNew = cs + (training ? t + 1 : (t + 1) & 1) * stepBytes;
        k.lstmStep(B, H, xpt, hp, cPrev, cNew, hPrev, hNew, gates + s * B * GH * F, tanhC + s * stepBytes, yt, len, t);
        break;
      }
      case 'gru':
        if (resetBefore) {
          const g = gates + s * B * GH * F;
          const a = aux + s * stepBytes;
          k.gruResetGates(B, H, xpt, hp, hPrev, g, a, len, t);
          k.gemmPacked(B, H, H, 1, a, H, false, whnP, wide, q, H, false, work); // q = (r ⊙ h) · W_hn^T
          k.gruResetBeforeState(B, H, xpt, q, hPrev, hNew, g, yt, len, t);
        } else {
          k.gruResetAfterStep(B, H, xpt, hp, pBhn, hPrev, hNew, gates + s * B * GH * F, aux + s * stepBytes, yt, len, t);
        }
        break;
    }
  }

  const cOff = training ? T : T & 1;
  const cN = lstm ? A.take(cs + cOff * stepBytes, BH) : undefined;
  const yT = y || hs + stepBytes; // [T, B, H]
  const yData = r.batchFirst ? takeBatchFirst(w, yT, T, B, H) : A.take(yT, TB * H);
  let saved: CpuRecurrentSaved | undefined;
  if (training) {
    // What backward needs stays in the arena (see WasmResident): only y is copied out now.
    saved = new CpuRecurrentSaved(cell, r.resetAfter, T, B, D, H, new Float32Array(0), undefined, undefined, undefined, undefined, lengths);
    const res = new WasmResident(A, saved, hs, lstm ? cs : 0, gates, lstm ? tanhC : 0, gru ? aux : 0, GH);
    saved.resident = res;
    A.hold(saved, () => res.materialize());
  }
  return {
    y: new CpuTensor(yData, r.batchFirst ? [B, T, H] : [T, B, H]),
    hN: new CpuTensor(A.take(hs + T * stepBytes, BH), [B, H]),
    ...(cN ? { cN: new CpuTensor(cN, [B, H]) } : {}),
    ...(saved ? { saved } : {}),
  };
}
