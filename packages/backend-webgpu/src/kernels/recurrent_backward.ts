import type { RecurrentBackwardArgs, RecurrentBackwardResult } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { encodeGemm } from './gemm_impl.js';
import { recurrentSizes, type WebgpuRecurrentSaved } from './recurrent_impl.js';
import { planRecurrent, sequenceCell, sequenceKernel } from './recurrent_sequence_impl.js';
import { type StepStage, stepKernel } from './recurrent_step_impl.js';
import { encodeSumRows } from './reduce_impl.js';

/**
 * Fused BPTT of one layer direction, as ONE command buffer. Walking t = T−1 … 0 — in ONE
 * dispatch on the sequence path (`recurrent_sequence_impl.ts`: a workgroup per batch group
 * loops over the steps), else one dispatch per step (two for reset-before GRU) — each step finishes dh_t = direct + dPre_{t+1} W_hh (the recurrent
 * GEMM) and applies the cell's gate backward, writing dPre_t (pre-activation gradients) and the
 * terms of dh_{t−1}, dc_{t−1} that need no GEMM. Then dx, dW_ih, dW_hh and the bias gradients
 * come from single GEMMs / column sums over all T·B rows, as in core's composite kernel.
 */
export function recurrentBackward(ctx: WebgpuContext, args: RecurrentBackwardArgs<WebgpuTensor>): RecurrentBackwardResult<WebgpuTensor> {
  const a = args.forward;
  // Core passes only what this backend's recurrentForward returned.
  const saved = args.saved as WebgpuRecurrentSaved;
  const { T, B, D, H, G, lengths, step, stepGroups: groups } = recurrentSizes(ctx, 'recurrentBackward', 'forward.x', a, true);
  const GH = G * H;
  const fb = ctx.floatBytes; // bytes per stored float
  const c = { x: a.x, wIh: a.weightIh, wHh: a.weightHh, bIh: a.biasIh, bHh: a.biasHh };
  const dy = args.dy;
  const dhN = args.dhN;
  const dcN = a.cell === 'lstm' ? args.dcN : undefined;
  const lstm = a.cell === 'lstm';
  const resetBefore = a.cell === 'gru' && !a.gruResetAfter;
  const resetAfter = a.cell === 'gru' && a.gruResetAfter;

  const dx = args.inputGrad === false ? undefined : ctx.alloc([T, B, D]); // skipped when not wanted
  const dh0 = ctx.alloc([B, H]);
  const dc0 = lstm ? ctx.alloc([B, H]) : undefined;
  const dWeightIh = ctx.alloc([GH, D]);
  const dWeightHh = ctx.alloc([GH, H]);
  const dBiasIh = c.bIh ? ctx.alloc([GH]) : undefined;
  const dBiasHh = c.bHh ? ctx.alloc([GH]) : undefined;

  const p = ctx.program();
  const dPre = p.temp(T * B * GH * fb);
  const dHp = resetAfter ? p.temp(T * B * GH * fb) : dPre; // what multiplies W_hh going back
  const direct = p.temp(B * H * fb);
  const dc = lstm ? p.temp(B * H * fb) : undefined;
  const len = p.tempData(lengths);
  if (dhN) p.copy(dhN.buf, 0, direct, 0, B * H * fb);
  else p.clear(direct, B * H * fb);
  if (dc) {
    if (dcN) p.copy(dcN.buf, 0, dc, 0, B * H * fb);
    else p.clear(dc, B * H * fb);
  }

  const stage = (s: StepStage) => stepKernel({ stage: s, ...step });
  const dyBuf = dy?.buf ?? ctx.dummy;
  const K = resetBefore ? 2 * H : GH; // columns of dHp that meet W_hh in each step's GEMM
  const common = { B, H, GH, GS: saved.gateStride, K, lda: GH, wOff: 0, ldw: H, hasBhh: false, hasDy: dy !== undefined };
  const main: StepStage =
    a.cell === 'rnn_tanh' ? 'bwd_rnn_tanh' : a.cell === 'rnn_relu' ? 'bwd_rnn_relu' : lstm ? 'bwd_lstm' : resetAfter ? 'bwd_gru' : 'bwd_gru_zn';
  const buffersOfMain = () => {
    switch (main) {
      case 'bwd_lstm':
        return [c.wHh.buf, dyBuf, len, saved.gates, direct, dPre, saved.cAll!, dc!];
      case 'bwd_gru':
        return [c.wHh.buf, dyBuf, len, saved.gates, direct, dPre, saved.hAll, dHp];
      case 'bwd_gru_zn':
        return [c.wHh.buf, dyBuf, len, saved.gates, direct, dPre, saved.hAll];
      default:
        return [c.wHh.buf, dyBuf, len, saved.gates, direct, dPre];
    }
  };
  const mainBuffers = buffersOfMain();
  const plan = planRecurrent(ctx.recurrentPath, ctx.sequenceLimits, 'bwd', sequenceCell(a.cell, a.gruResetAfter), B, H, G);
  const before = ctx.counters.dispatches;
  if (plan.path === 'sequence' && T > 0) {
    // The kernel binds the main stage's buffers (reset-before GRU's second stage uses a subset).
    const def = sequenceKernel({
      dir: 'bwd',
      cell: sequenceCell(a.cell, a.gruResetAfter),
      WJ: plan.WJ,
      WB: plan.WB,
      KS: plan.KS,
      ...(plan.RH !== undefined ? { RH: plan.RH, loopK: plan.loopK === true } : {}),
    });
    p.dispatch(def, { T, B, H, GH, GS: saved.gateStride, hasBhh: false, hasDy: dy !== undefined }, mainBuffers, [Math.ceil(B / plan.WB)]);
  }
  for (let t = T - 1; t >= 0 && plan.path === 'step'; t--) {
    // The GEMM term of dh_t comes from step t+1's dHp; the last step has none.
    p.dispatch(stage(main), { ...common, t, aBase: (t + 1) * B * GH, doGemm: t < T - 1 && K > 0, finalDh: false }, mainBuffers, groups);
    if (resetBefore) {
      p.dispatch(
        stage('bwd_gru_r'),
        { ...common, t, K: H, aBase: t * B * GH + 2 * H, wOff: 2 * H * H, doGemm: H > 0, finalDh: false },
        [c.wHh.buf, saved.gates, direct, dPre, saved.hAll],
        groups,
      );
    }
  }
  if (T > 0 && plan.path === 'step') {
    // dh0 = direct + dHp_0 W_hh (the sequence kernel ends with this itself).
    p.dispatch(stage(main), { ...common, t: 0, aBase: 0, doGemm: K > 0, finalDh: true }, mainBuffers, groups);
  }
  p.copy(direct, 0, dh0.buf, 0, B * H * fb);
  if (dc0) p.copy(dc!, 0, dc0.buf, 0, B * H * fb);

  // Input side over all steps: dx = dPre W_ih, dW_ih = dPreᵀ x.
  const TB = T * B;
  const dummy = ctx.dummy;
  const gemmOrClear = (M: number, N: number, K: number, run: () => void, out: WebgpuTensor) => {
    if (M * N === 0) return;
    if (K === 0) p.clear(out.buf, M * N * fb);
    else run();
  };
  if (dx)
    gemmOrClear(
      TB,
      D,
      GH,
      () => encodeGemm(p, { M: TB, N: D, K: GH, a: { buf: dPre, ld: GH }, b: { buf: c.wIh.buf, ld: D }, out: { buf: dx.buf, ld: D } }, dummy),
      dx,
    );
  gemmOrClear(
    GH,
    D,
    TB,
    () => encodeGemm(p, { M: GH, N: D, K: TB, a: { buf: dPre, ld: GH }, transA: true, b: { buf: c.x.buf, ld: D }, out: { buf: dWeightIh.buf, ld: D } }, dummy),
    dWeightIh,
  );
  // Recurrent side: dW_hh = dHpᵀ [h_0 … h_{T−1}] (slots 0..T−1 of hAll are the previous states).
  if (!resetBefore) {
    gemmOrClear(
      GH,
      H,
      TB,
      () =>
        encodeGemm(p, { M: GH, N: H, K: TB, a: { buf: dHp, ld: GH }, transA: true, b: { buf: saved.hAll, ld: H }, out: { buf: dWeightHh.buf, ld: H } }, dummy),
      dWeightHh,
    );
  } else {
    gemmOrClear(
      GH,
      H,
      TB,
      () => {
        encodeGemm(
          p,
          { M: 2 * H, N: H, K: TB, a: { buf: dPre, ld: GH }, transA: true, b: { buf: saved.hAll, ld: H }, out: { buf: dWeightHh.buf, ld: H } },
          dummy,
        );
        // W_hn met r ⊙ h: its gradient pairs dn_pre with the saved r ⊙ h.
        encodeGemm(
          p,
          {
            M: H,
            N: H,
            K: TB,
            a: { buf: dPre, off: 2 * H, ld: GH },
            transA: true,
            b: { buf: saved.aux!, ld: H },
            out: { buf: dWeightHh.buf, off: 2 * H * H, ld: H },
          },
          dummy,
        );
      },
      dWeightHh,
    );
  }
  if (dBiasIh && GH > 0) encodeSumRows(p, dPre, TB, GH, dBiasIh.buf);
  if (dBiasHh && GH > 0) encodeSumRows(p, dHp, TB, GH, dBiasHh.buf);
  p.submit();
  ctx.reportRecurrent({ op: 'recurrentBackward', path: plan.path, reason: plan.reason, T, B, H, dispatches: ctx.counters.dispatches - before });

  return {
    ...(dx ? { dx } : {}),
    dh0,
    ...(dc0 ? { dc0 } : {}),
    dWeightIh,
    dWeightHh,
    ...(dBiasIh ? { dBiasIh } : {}),
    ...(dBiasHh ? { dBiasHh } : {}),
  };
}
