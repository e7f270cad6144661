import type { RecurrentBackwardArgs } from '@rnnkit/core/backend';
import type { RecurrentBackwardOutput } from '../kernels/recurrent_backward.js';
import { resolveBackward } from '../kernels/recurrent_impl.js';
import { CpuTensor } from '../tensor.js';
import { putTimeMajor, takeBatchFirst } from './layout.js';
import type { WasmKernels } from './load.js';
import { WasmResident } from './recurrent_forward.js';

/**
 * `recurrentBackward` on the SIMD kernels, the algorithm of kernels/recurrent_backward.ts: W_hh
 * is packed once, then walking t = T−1 … 0 one fused pass writes the step's gate gradients
 * into dXp [T*B, G*H] and one GEMM adds dGates_t · W_hh into dh_prev; afterwards dx, dW_ih,
 * dW_hh and the bias gradients are each one GEMM or column sum over all T*B rows. The saved
 * forward buffers are copied in once, the gradients out once.
 */
export function recurrentBackwardWasm(w: WasmKernels, args: RecurrentBackwardArgs<CpuTensor>): RecurrentBackwardOutput {
  const { r, s, dy, dhN, dcN } = resolveBackward(args);
  const { cell, T, B, D, H, G, lengths } = r;
  const { k, arena: A } = w;
  const GH = G * H;
  const BH = B * H;
  const TB = T * B;
  const F = 4;
  const lstm = cell === 'lstm';
  const gru = cell === 'gru';
  const resetAfterGru = gru && r.resetAfter;
  const resetBefore = gru && !r.resetAfter;
  const Nrec = resetBefore ? 2 * H : GH; // rows of W_hh the step's recurrent GEMM used

  // The forward's saved buffers are read where they are when they are still in this arena;
  // otherwise (a later kernel call evicted them: see WasmResident) they are copied in.
  const resident = s.resident instanceof WasmResident && s.resident.arena === A && A.holds(s) ? s.resident : undefined;
  // The whole working set, in allocation order, refused before anything is copied in (or the
  // saved buffers evicted) when the arena can't hold it.
  const wide = B < 4; // a batch of one to three: the one-row kernel over 32-column panels
  const TBD = TB * D;
  A.reserve(
    'recurrentBackward',
    'dy',
    [
      ...(r.batchFirst ? [TBD * F, TBD * F] : [TBD * F]),
      GH * D * F,
      GH * H * F,
      resident ? 0 : (T + 1) * BH * F,
      lstm && !resident ? (T + 1) * BH * F : 0,
      !resident && (lstm || gru) ? TB * GH * F : 0,
      lstm && !resident ? TB * H * F : 0,
      gru && !resident ? TB * H * F : 0,
      dy ? (r.batchFirst ? 2 : 1) * TB * H * F : 0,
      lengths ? B * 4 : 0,
      TB * GH * F,
      resetAfterGru ? TB * GH * F : 0,
      BH * F,
      BH * F,
      lstm ? BH * F : 0,
      resetBefore ? BH * F : 0,
      k.packedBytes(Nrec, H, wide),
      resetBefore ? k.packedBytes(H, H, wide) : 0,
      args.inputGrad === false ? 0 : TBD * F,
      GH * D * F,
      GH * H * F,
      r.biasIh ? GH * F : 0,
      r.biasHh ? GH * F : 0,
      GH * 8,
      k.gemmWorkBytes(),
      r.batchFirst && args.inputGrad !== false ? TBD * F : 0,
    ],
    !resident,
    r,
  );
  const res = resident && A.resume(s) ? resident : undefined;
  if (!res) {
    s.resident?.materialize();
    A.reset();
  }
  const x = r.batchFirst ? putTimeMajor(w, r.x, B, T, D) : A.put(r.x);
  const wih = A.put(r.weightIh);
  const whh = A.put(r.weightHh);
  const hs = res ? res.hs : A.put(s.hs);
  const cs = lstm ? (res ? res.cs : A.put(s.cs!)) : 0;
  const gates = res ? res.gates : s.gates ? A.put(s.gates) : 0;
  const tanhC = lstm ? (res ? res.tanhC : A.put(s.tanhC!)) : 0;
  const aux = gru ? (res ? res.aux : A.put(s.aux!)) : 0;
  const pDy = dy ? (r.batchFirst ? putTimeMajor(w, dy, B, T, H) : A.put(dy)) : 0;
  const len = lengths ? A.putI32(lengths) : 0;
  // Padded rows are never written: zeros there keep the all-rows GEMMs exact.
  const dXp = lengths ? A.zeros(TB * GH * F) : A.alloc(TB * GH * F);
  const dHp = resetAfterGru ? (lengths ? A.zeros(TB * GH * F) : A.alloc(TB * GH * F)) : dXp;
  let dh = dhN ? A.put(dhN) : A.zeros(BH * F);
  let dhPrev = A.alloc(BH * F);
  const dc = lstm ? (dcN ? A.put(dcN) : A.zeros(BH * F)) : 0;
  const dRh = resetBefore ? A.alloc(BH * F) : 0;
  const whhP = A.alloc(k.packedBytes(Nrec, H, wide));
  const whnP = resetBefore ? A.alloc(k.packedBytes(H, H, wide)) : 0;
  const dx = args.inputGrad === false ? 0 : A.alloc(TB * D * F); // the caller may not want it
  const dWih = A.alloc(GH * D * F);
  const dWhh = A.alloc(GH * H * F);
  const dBih = r.biasIh ? A.alloc(GH * F) : 0;
  const dBhh = r.biasHh ? A.alloc(GH * F) : 0;
  const acc = A.alloc(GH * 8);
  const work = A.alloc(k.gemmWorkBytes());

  k.packB(Nrec, H, whh, H, false, whhP, wide); // W_hh[0:Nrec] as [Nrec, H]
  if (resetBefore) k.packB(H, H, whh + 2 * H * H * F, H, false, whnP, wide); // W_hn [H, H]

  const stepBytes = BH * F;
  const gStep = B * GH * F;
  for (let t = T - 1; t >= 0; t--) {
    const dXpt = dXp + t * gStep;
    const dyt = pDy ? pDy + t * stepBytes : 0;
    switch (cell) {
      case 'rnn_tanh':
      case 'rnn_relu':
        k.rnnStepBack(B, H, cell === 'rnn_relu', dXpt, dyt, dh, dhPrev, hs + (t + 1) * stepBytes, len, t);
        break;
      case 'lstm':
        k.lstmStepBack(B, H, dXpt, dyt, dh, dhPrev, dc, gates + t * gStep, tanhC + t * stepBytes, cs + t * stepBytes, len, t);
        break;
      case 'gru': {
        const hPrev = hs + t * stepBytes;
        k.gruStepBackUpdate(B, H, dXpt, dyt, dh, dhPrev, gates + t * gStep, hPrev, len, t);
        if (resetBefore) {
          // d(r ⊙ h) = dn_pre · W_hn, then the reset gate's share.
          k.gemmPacked(B, H, H, 1, dXpt + 2 * H * F, GH, false, whnP, wide, dRh, H, false, work);
          k.gruResetBeforeStepBack(B, H, dXpt, dRh, gates + t * gStep, hPrev, dhPrev, len, t);
        } else {
          k.gruResetAfterStepBack(B, H, dXpt, dHp + t * gStep, gates + t * gStep, aux + t * stepBytes, len, t);
        }
        break;
      }
    }
    // dh_prev += dGatesHidden_t [B, Nrec] · W_hh[0:Nrec] [Nrec, H]
    k.gemmPacked(B, H, Nrec, 1, dHp + t * gStep, GH, false, whhP, wide, dhPrev, H, true, work);
    const next = dh;
    dh = dhPrev;
    dhPrev = next;
  }

  if (dx) k.gemm(TB, D, GH, 1, dXp, GH, false, wih, D, false, dx, D, false, work);
  k.gemm(GH, D, TB, 1, dXp, GH, true, x, D, false, dWih, D, false, work);
  if (resetBefore) {
    k.gemm(2 * H, H, TB, 1, dXp, GH, true, hs, H, false, dWhh, H, false, work);
    k.gemm(H, H, TB, 1, dXp + 2 * H * F, GH, true, aux, H, false, dWhh + 2 * H * H * F, H, false, work);
  } else {
    k.gemm(GH, H, TB, 1, dHp, GH, true, hs, H, false, dWhh, H, false, work); // h_prev of every step: hs[0..T)
  }
  if (dBih) k.columnSums(TB, GH, dXp, dBih, acc);
  if (dBhh) {
    if (dHp === dXp && dBih) new Uint8Array(k.memory.buffer).copyWithin(dBhh, dBih, dBih + GH * F);
    else k.columnSums(TB, GH, dHp, dBhh, acc);
  }

  return {
    ...(dx ? { dx: r.batchFirst ? new CpuTensor(takeBatchFirst(w, dx, T, B, D), [B, T, D]) : new CpuTensor(A.take(dx, TB * D), [T, B, D]) } : {}),
    dh0: new CpuTensor(A.take(dh, BH), [B, H]),
    ...(lstm ? { dc0: new CpuTensor(A.take(dc, BH), [B, H]) } : {}),
    dWeightIh: new CpuTensor(A.take(dWih, GH * D), [GH, D]),
    dWeightHh: new CpuTensor(A.take(dWhh, GH * H), [GH, H]),
    ...(dBih ? { dBiasIh: new CpuTensor(A.take(dBih, GH), [GH]) } : {}),
    ...(dBhh ? { dBiasHh: new CpuTensor(A.take(dBhh, GH), [GH]) } : {}),
  };
}
