import { gateCount } from '@rnnkit/core';
import type { QuantizedRecurrentForwardArgs, RecurrentForwardResult } from '@rnnkit/core/backend';
import type { CpuQuantized } from '../kernels/quantized_impl.js';
import { CpuTensor } from '../tensor.js';
import { putTimeMajor, takeBatchFirst } from './layout.js';
import type { WasmKernels } from './load.js';
import { putBias, putPacked } from './quantized_gemm.js';

/**
 * `quantizedRecurrentForward` on the int8 kernels, the loop of wasm/recurrent_forward.ts with
 * each GEMM replaced by the int8 product (assembly/quantized_gemm.ts), all inside the module's
 * memory: the input's rows are quantized and projected for every step at once ([T·B, D] · W_ihᵀ
 * + b_ih into xp), then each step quantizes h_prev's B rows, runs h_prev · W_hhᵀ + b_hh into hp
 * (one row at a time through W_hh for batches under 4: the GEMV) and the float gate math
 * (GRU reset-after with b_hn already inside hp; reset-before quantizes r ⊙ h for its W_hn
 * product). Per-row quantization makes every product equal core's `quantizedMatmul` of the same
 * rows bit for bit; only the gate math's sigmoid and tanh differ (they are the float kernel's).
 */
export function quantizedRecurrentForwardWasm(w: WasmKernels, a: QuantizedRecurrentForwardArgs<CpuTensor, CpuQuantized>): RecurrentForwardResult<CpuTensor> {
  const { k, arena: A } = w;
  const cell = a.cell;
  const G = gateCount(cell);
  const batchFirst = a.batchFirst === true;
  const xs = a.x.shape;
  const [T, B, D] = batchFirst ? [xs[1], xs[0], xs[2]] : [xs[0], xs[1], xs[2]];
  const H = a.weightHh.shape[1];
  const GH = G * H;
  const BH = B * H;
  const TB = T * B;
  const lstm = cell === 'lstm';
  const gru = cell === 'gru';
  const resetBefore = gru && a.gruResetAfter !== true;
  const Nrec = resetBefore ? 2 * H : GH; // rows of W_hh the per-step product uses
  const lengths = a.lengths?.slice();
  const F = 4;
  const pIh = a.weightIh.packed(0, GH);
  const pHh = a.weightHh.packed(0, Nrec);
  const pHn = resetBefore ? a.weightHh.packed(2 * H, H) : undefined;
  const pad8 = (n: number): number => Math.ceil(n / 8) * 32;
  const biasHh = a.biasHh?.data;

  const rowD = k.quantRowBytes(D);
  const rowH = k.quantRowBytes(H);
  A.reserve(
    'quantizedRecurrentForward',
    'x',
    [
      ...(batchFirst ? [TB * D * F, TB * D * F] : [TB * D * F]),
      pIh.packed.length,
      pad8(GH),
      pad8(GH),
      a.biasIh ? pad8(GH) : 0,
      pHh.packed.length,
      pad8(Nrec),
      pad8(Nrec),
      biasHh ? pad8(Nrec) : 0,
      pHn ? pHn.packed.length : 0,
      pHn ? pad8(H) : 0,
      pHn ? pad8(H) : 0,
      pHn && biasHh ? pad8(H) : 0,
      lengths ? B * 4 : 0,
      TB * rowD,
      TB * 4,
      TB * 4,
      B * rowH,
      B * 4,
      B * 4,
      TB * GH * F,
      B * Nrec * F,
      resetBefore ? 2 * BH * F : 0,
      (T + 1) * BH * F,
      lstm ? 2 * BH * F : 0,
      lstm || gru ? B * GH * F : 0,
      lstm || gru ? BH * F : 0,
      lengths ? TB * H * F : 0,
      batchFirst ? TB * H * F : 0,
    ],
    true,
    { cell, T, B, D, H },
  );

  A.reset();
  const x = batchFirst ? putTimeMajor(w, a.x.data, B, T, D) : A.put(a.x.data);
  const wih = putPacked(A, pIh);
  const bih = putBias(A, a.biasIh?.data, GH);
  const whh = putPacked(A, pHh);
  const bhh = putBias(A, biasHh, Nrec);
  const whn = pHn ? putPacked(A, pHn) : undefined;
  const bhn = pHn && biasHh ? putBias(A, biasHh.subarray(2 * H, 3 * H), H) : 0;
  const len = lengths ? A.putI32(lengths) : 0;
  const qx = A.alloc(TB * rowD);
  const sx = A.alloc(TB * 4);
  const zx = A.alloc(TB * 4);
  const qh = A.alloc(B * rowH);
  const sh = A.alloc(B * 4);
  const zh = A.alloc(B * 4);
  const xp = A.alloc(TB * GH * F);
  const hp = A.alloc(B * Nrec * F);
  const q = resetBefore ? A.alloc(BH * F) : 0; // (r ⊙ h) · W_hnᵀ + b_hn
  const rh = resetBefore ? A.alloc(BH * F) : 0; // r ⊙ h (gruResetGates' aux)
  const hs = A.alloc((T + 1) * BH * F);
  const cs = lstm ? A.alloc(2 * BH * F) : 0;
  const gates = lstm || gru ? A.alloc(B * GH * F) : 0; // written by the gate math, unused here
  const aux = lstm || gru ? A.alloc(BH * F) : 0; // tanh(c) for LSTM, W_hn h + b_hn for GRU: unused
  const y = lengths ? A.alloc(TB * H * F) : 0; // otherwise y is hs[1..T]
  A.f32(hs, BH).set(a.h0.data.subarray(0, BH));
  if (lstm) {
    if (a.c0) A.f32(cs, BH).set(a.c0.data.subarray(0, BH));
    else A.f32(cs, BH).fill(0);
  }

  k.quantizeRows(TB, D, x, D, qx, sx, zx);
  k.quantizedGemm(TB, GH, D, qx, sx, zx, wih.wp, wih.rowsum, wih.sw, bih, xp, GH);

  const stepBytes = BH * F;
  for (let t = 0; t < T; t++) {
    const hPrev = hs + t * stepBytes;
    const hNew = hPrev + stepBytes;
    const xpt = xp + t * B * GH * F;
    const yt = y ? y + t * stepBytes : 0;
    k.quantizeRows(B, H, hPrev, H, qh, sh, zh);
    k.quantizedGemm(B, Nrec, H, qh, sh, zh, whh.wp, whh.rowsum, whh.sw, bhh, hp, Nrec);
    switch (cell) {
      case 'rnn_tanh':
      case 'rnn_relu':
        k.rnnStep(B, H, cell === 'rnn_relu', xpt, hp, hPrev, hNew, yt, len, t);
        break;
      case 'lstm': {
        const cPrev = cs + (t & 1) * stepBytes;
        const cNew = cs + ((t + 1) & 1) * stepBytes;
        k.lstmStep(B, H, xpt, hp, cPrev, cNew, hPrev, hNew, gates, aux, yt, len, t);
        break;
      }
      case 'gru':
        if (resetBefore && whn) {
          k.gruResetGates(B, H, xpt, hp, hPrev, gates, rh, len, t);
          k.quantizeRows(B, H, rh, H, qh, sh, zh);
          k.quantizedGemm(B, H, H, qh, sh, zh, whn.wp, whn.rowsum, whn.sw, bhn, q, H);
          k.gruResetBeforeState(B, H, xpt, q, hPrev, hNew, gates, yt, len, t);
        } else {
          k.gruResetAfterStep(B, H, xpt, hp, 0, hPrev, hNew, gates, aux, yt, len, t); // b_hn is inside hp
        }
        break;
    }
  }

  const cN = lstm ? A.take(cs + (T & 1) * stepBytes, BH) : undefined;
  const yT = y || hs + stepBytes; // [T, B, H]
  const yData = batchFirst ? takeBatchFirst(w, yT, T, B, H) : A.take(yT, TB * H);
  return {
    y: new CpuTensor(yData, batchFirst ? [B, T, H] : [T, B, H]),
    hN: new CpuTensor(A.take(hs + T * stepBytes, BH), [B, H]),
    ...(cN ? { cN: new CpuTensor(cN, [B, H]) } : {}),
  };
}
