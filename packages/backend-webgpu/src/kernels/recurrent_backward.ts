import type { RecurrentBackwardArgs, RecurrentBackwardResult, Tensor } from '@rnnkit/core';
import { RnnkitError, compositeRecurrentBackward, formatShape } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { encodeGemm } from './matmul.js';
import { checkRecurrentArgs, WebgpuRecurrentSaved } from './recurrent_forward.js';
import { stepKernel, stepShape, type StepStage } from './recurrent_step.js';
import { encodeSumRows } from './sum_rows.js';

function optionalBH(be: WebgpuBackend, argument: string, x: Tensor | undefined, B: number, H: number): WebgpuTensor | undefined {
  if (x === undefined) return undefined;
  const t = be.own('recurrentBackward', argument, x);
  if (t.shape.length !== 2 || t.shape[0] !== B || t.shape[1] !== H) {
    throw new RnnkitError('SHAPE_MISMATCH', `recurrentBackward: ${argument}: expected [${B}, ${H}], got ${formatShape(t.shape)}`, { argument });
  }
  return t;
}

/**
 * Fused BPTT of one layer direction, as ONE command buffer. Walking t = T−1 … 0, one dispatch
 * per step (two for reset-before GRU) finishes dh_t = direct + dPre_{t+1} W_hh (the recurrent
 * GEMM) and applies the cell's gate backward, writing dPre_t (pre-activation gradients) and the
 * terms of dh_{t−1}, dc_{t−1} that need no GEMM. Then dx, dW_ih, dW_hh and the bias gradients
 * come from single GEMMs / column sums over all T·B rows, as in core's composite kernel.
 */
export function recurrentBackward(be: WebgpuBackend, args: RecurrentBackwardArgs): RecurrentBackwardResult {
  const op = 'recurrentBackward';
  const a = args?.forward;
  const saved = args?.saved;
  // Anything else (core's composite forward ran on this backend) goes to the composite backward,
  // which rejects what it doesn't know.
  if (!(saved instanceof WebgpuRecurrentSaved)) return compositeRecurrentBackward(be, args);
  if (saved.owner !== be) {
    throw new RnnkitError('INVALID_ARGUMENT', `${op}: saved: expected the value returned by this webgpu backend's recurrentForward, got one from another webgpu backend`, { argument: 'saved' });
  }
  const c = checkRecurrentArgs(be, op, a);
  if (saved.disposed) throw new RnnkitError('DISPOSED', `${op}: saved: already disposed`, { argument: 'saved' });
  const { T, B, D, H, G } = c;
  const d = saved.dims;
  if (d.T !== T || d.B !== B || d.D !== D || d.H !== H || d.cell !== a.cell || (a.cell === 'gru' && d.gruResetAfter !== a.gruResetAfter)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${op}: saved: was made for another forward (T=${d.T}, B=${d.B}, D=${d.D}, H=${d.H}, ${d.cell})`, { argument: 'saved' });
  }
  const GH = G * H;
  let dy: WebgpuTensor | undefined;
  if (args.dy !== undefined) {
    dy = be.own(op, 'dy', args.dy);
    if (dy.shape.length !== 3 || dy.shape[0] !== T || dy.shape[1] !== B || dy.shape[2] !== H) {
      throw new RnnkitError('SHAPE_MISMATCH', `${op}: dy: expected [${T}, ${B}, ${H}], got ${formatShape(dy.shape)}`, { argument: 'dy' });
    }
  }
  const dhN = optionalBH(be, 'dhN', args.dhN, B, H);
  const dcN = a.cell === 'lstm' ? optionalBH(be, 'dcN', args.dcN, B, H) : undefined;
  const lstm = a.cell === 'lstm';
  const resetBefore = a.cell === 'gru' && !a.gruResetAfter;
  const resetAfter = a.cell === 'gru' && a.gruResetAfter;

  const dx = args.inputGrad === false ? undefined : be.alloc([T, B, D]); // skipped when not wanted
  const dh0 = be.alloc([B, H]);
  const dc0 = lstm ? be.alloc([B, H]) : undefined;
  const dWeightIh = be.alloc([GH, D]);
  const dWeightHh = be.alloc([GH, H]);
  const dBiasIh = c.bIh ? be.alloc([GH]) : undefined;
  const dBiasHh = c.bHh ? be.alloc([GH]) : undefined;

  const p = be.program();
  const dPre = p.temp(T * B * GH * 4);
  const dHp = resetAfter ? p.temp(T * B * GH * 4) : dPre; // what multiplies W_hh going back
  const direct = p.temp(B * H * 4);
  const dc = lstm ? p.temp(B * H * 4) : undefined;
  const len = p.tempData(c.lengths);
  if (dhN) p.copy(dhN.buf, 0, direct, 0, B * H * 4);
  else p.clear(direct, B * H * 4);
  if (dc) {
    if (dcN) p.copy(dcN.buf, 0, dc, 0, B * H * 4);
    else p.clear(dc, B * H * 4);
  }

  const shape = stepShape(B);
  const groups = [Math.ceil(H / shape.WJ), Math.ceil(B / shape.WB)] as const;
  const stage = (s: StepStage) => stepKernel({ stage: s, ...shape });
  const dyBuf = dy?.buf ?? be.dummy();
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
  for (let t = T - 1; t >= 0; t--) {
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
  if (T > 0) {
    // dh0 = direct + dHp_0 W_hh.
    p.dispatch(stage(main), { ...common, t: 0, aBase: 0, doGemm: K > 0, finalDh: true }, mainBuffers, groups);
  }
  p.copy(direct, 0, dh0.buf, 0, B * H * 4);
  if (dc0) p.copy(dc!, 0, dc0.buf, 0, B * H * 4);

  // Input side over all steps: dx = dPre W_ih, dW_ih = dPreᵀ x.
  const TB = T * B;
  const dummy = be.dummy();
  const gemmOrClear = (M: number, N: number, K: number, run: () => void, out: WebgpuTensor) => {
    if (M * N === 0) return;
    if (K === 0) p.clear(out.buf, M * N * 4);
    else run();
  };
  if (dx) gemmOrClear(TB, D, GH, () => encodeGemm(p, { M: TB, N: D, K: GH, a: { buf: dPre, ld: GH }, b: { buf: c.wIh.buf, ld: D }, out: { buf: dx.buf, ld: D } }, dummy), dx);
  gemmOrClear(GH, D, TB, () => encodeGemm(p, { M: GH, N: D, K: TB, a: { buf: dPre, ld: GH }, transA: true, b: { buf: c.x.buf, ld: D }, out: { buf: dWeightIh.buf, ld: D } }, dummy), dWeightIh);
  // Recurrent side: dW_hh = dHpᵀ [h_0 … h_{T−1}] (slots 0..T−1 of hAll are the previous states).
  if (!resetBefore) {
    gemmOrClear(GH, H, TB, () => encodeGemm(p, { M: GH, N: H, K: TB, a: { buf: dHp, ld: GH }, transA: true, b: { buf: saved.hAll, ld: H }, out: { buf: dWeightHh.buf, ld: H } }, dummy), dWeightHh);
  } else {
    gemmOrClear(GH, H, TB, () => {
      encodeGemm(p, { M: 2 * H, N: H, K: TB, a: { buf: dPre, ld: GH }, transA: true, b: { buf: saved.hAll, ld: H }, out: { buf: dWeightHh.buf, ld: H } }, dummy);
      // W_hn met r ⊙ h: its gradient pairs dn_pre with the saved r ⊙ h.
      encodeGemm(p, { M: H, N: H, K: TB, a: { buf: dPre, off: 2 * H, ld: GH }, transA: true, b: { buf: saved.aux!, ld: H }, out: { buf: dWeightHh.buf, off: 2 * H * H, ld: H } }, dummy);
    }, dWeightHh);
  }
  if (dBiasIh && GH > 0) encodeSumRows(p, dPre, TB, GH, dBiasIh.buf);
  if (dBiasHh && GH > 0) encodeSumRows(p, dHp, TB, GH, dBiasHh.buf);
  p.submit();

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
