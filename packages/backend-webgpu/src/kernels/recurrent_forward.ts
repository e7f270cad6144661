import type { RecurrentForwardArgs, RecurrentForwardResult } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { GpuBuf } from '../pool.js';
import type { WebgpuTensor } from '../tensor.js';
import { encodeCopy2d } from './copy2d_impl.js';
import { encodeGemm } from './gemm_impl.js';
import { recurrentSizes, WebgpuRecurrentSaved } from './recurrent_impl.js';
import { planRecurrent, sequenceCell, sequenceKernel } from './recurrent_sequence_impl.js';
import { type StepStage, stepKernel } from './recurrent_step_impl.js';

/**
 * Fused forward of one layer direction over the whole sequence, as ONE command buffer:
 * xp = x W_ihᵀ + b_ih for all T·B rows in one GEMM, W_hh transposed once, then the recurrence:
 * - sequence path (`recurrent_sequence_impl.ts`): ONE dispatch, one workgroup per batch group
 *   looping over all T steps;
 * - per-step path: one dispatch per step (two for reset-before GRU);
 * each doing the recurrent GEMM and the gate math, writing y_t, the masked state and (for
 * backward) the activated gates. `planRecurrent` picks the path (the `recurrentPath` option).
 * Both paths save the same buffers, so either backward path can follow either forward path.
 * Matches core's composite kernel: steps t ≥ lengths[b] keep b's state and output zeros.
 */
export function recurrentForward(ctx: WebgpuContext, a: RecurrentForwardArgs<WebgpuTensor>): RecurrentForwardResult<WebgpuTensor> {
  const { T, B, D, H, G, GS, lengths, step, stepGroups: groups } = recurrentSizes(ctx, 'recurrentForward', 'x', a, false);
  const GH = G * H;
  const fb = ctx.floatBytes; // bytes per stored float
  const lstm = a.cell === 'lstm';
  const resetBefore = a.cell === 'gru' && !a.gruResetAfter;
  const training = a.training;
  const c = { x: a.x, wIh: a.weightIh, wHh: a.weightHh, bIh: a.biasIh, bHh: a.biasHh, h0: a.h0, c0: lstm ? a.c0 : undefined };

  const y = ctx.alloc([T, B, H]);
  const hN = ctx.alloc([B, H]);
  const cN = lstm ? ctx.alloc([B, H]) : undefined;
  const p = ctx.program();
  // Kept for backward when training, else released after submit.
  const keep = (bytes: number): GpuBuf => (training ? ctx.acquireBuffer(bytes) : p.temp(bytes));
  const hAll = keep((T + 1) * B * H * fb);
  const gates = keep(T * B * GS * fb);
  const cAll = lstm ? keep((T + 1) * B * H * fb) : undefined;
  const aux = resetBefore ? keep(T * B * H * fb) : undefined;
  const xp = p.temp(T * B * GH * fb);
  const wt = p.temp(H * GH * fb);
  const len = p.tempData(lengths);

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
        ctx.dummy,
      );
    } else if (c.bIh) {
      encodeCopy2d(p, c.bIh.buf, xp, { rows: T * B, width: GH, sLd: 0, dLd: GH }, ctx.maxWorkgroups);
    } else {
      p.clear(xp, T * B * GH * fb);
    }
    encodeCopy2d(p, c.wHh.buf, wt, { rows: GH, width: H, sLd: H, dLd: GH, transpose: true }, ctx.maxWorkgroups);
  }
  p.copy(c.h0.buf, 0, hAll, 0, B * H * fb);
  if (cAll) {
    if (c.c0) p.copy(c.c0.buf, 0, cAll, 0, B * H * fb);
    else p.clear(cAll, B * H * fb);
  }

  const bhh = c.bHh?.buf ?? ctx.dummy;
  const plan = planRecurrent(ctx.recurrentPath, ctx.sequenceLimits, 'fwd', sequenceCell(a.cell, a.gruResetAfter), B, H, G);
  const before = ctx.counters.dispatches;
  if (plan.path === 'sequence' && T > 0) {
    const def = sequenceKernel({
      dir: 'fwd',
      cell: sequenceCell(a.cell, a.gruResetAfter),
      WJ: plan.WJ,
      WB: plan.WB,
      KS: plan.KS,
      ...(plan.RH !== undefined ? { RH: plan.RH, loopK: plan.loopK === true } : {}),
    });
    const buffers = lstm
      ? [xp, wt, bhh, len, hAll, y.buf, gates, cAll!]
      : resetBefore
        ? [xp, wt, bhh, len, hAll, y.buf, gates, aux!]
        : [xp, wt, bhh, len, hAll, y.buf, gates];
    p.dispatch(def, { T, B, H, GH, GS, hasBhh: c.bHh !== undefined, hasDy: false }, buffers, [Math.ceil(B / plan.WB)]);
  }
  const common = { B, H, GH, GS, hasBhh: c.bHh !== undefined, hasDy: false, finalDh: false, doGemm: H > 0 };
  const stage = (s: StepStage) => stepKernel({ stage: s, ...step });
  for (let t = 0; t < (plan.path === 'step' ? T : 0); t++) {
    const hStep = { ...common, t, K: H, aBase: t * B * H, lda: H };
    switch (a.cell) {
      case 'rnn_tanh':
      case 'rnn_relu':
        p.dispatch(
          stage(a.cell === 'rnn_tanh' ? 'fwd_rnn_tanh' : 'fwd_rnn_relu'),
          { ...hStep, wOff: 0, ldw: GH },
          [xp, wt, bhh, len, hAll, y.buf, gates],
          groups,
        );
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
  p.copy(hAll, T * B * H * fb, hN.buf, 0, B * H * fb);
  if (cN) p.copy(cAll!, T * B * H * fb, cN.buf, 0, B * H * fb);
  p.submit();
  ctx.reportRecurrent({ op: 'recurrentForward', path: plan.path, reason: plan.reason, T, B, H, dispatches: ctx.counters.dispatches - before });

  const saved = training ? new WebgpuRecurrentSaved(ctx, hAll, gates, GS, cAll, aux) : undefined;
  return { y, hN, ...(cN ? { cN } : {}), ...(saved ? { saved } : {}) };
}
