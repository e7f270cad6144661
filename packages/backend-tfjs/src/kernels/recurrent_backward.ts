import type { RecurrentBackwardArgs, RecurrentBackwardResult } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import { checkWorkingSet } from '../limits.js';
import type { TfjsTensor } from '../tensor.js';
import { run, tfOf, wrap } from '../tensor.js';
import type { TfTensor } from '../tf.js';
import { columnSums, matMul, rows, steps } from './layout_impl.js';
import type { TfjsRecurrentSaved } from './recurrent_impl.js';
import { backwardWorkingBytes, stepMaskTensors } from './recurrent_impl.js';

/**
 * BPTT through `recurrentForward`, the adjoint of core's composite kernel. The steps run
 * backwards, each in its own tf.tidy, producing the gate gradients; then the input-side
 * gradients (dx, dW_ih, db_ih) and dW_hh come from single matMuls over all steps.
 *
 * dy [T, B, H], dhN [B, H], dcN [B, H] (each optional) → dx [T, B, D], dh0 [B, H], dc0,
 * dWeightIh [G*H, D], dWeightHh [G*H, H], dBiasIh, dBiasHh [G*H].
 */
export function recurrentBackward(ctx: TfjsContext, args: RecurrentBackwardArgs<TfjsTensor>): RecurrentBackwardResult<TfjsTensor> {
  // Core passes only `saved` values this backend's recurrentForward made, checked against `forward`.
  const saved = args.saved as TfjsRecurrentSaved;
  const sp = saved.problem;
  const { cell, resetBefore, T, B, D, H } = sp;
  checkWorkingSet(ctx, 'recurrentBackward', 'forward.x', backwardWorkingBytes(T, B, D, H, sp.G), `${cell}, T=${T}, B=${B}, D=${D}, H=${H}: per-step gradients`);
  const dyIn = args.dy ? tfOf(args.dy) : undefined;
  const dhN = args.dhN ? tfOf(args.dhN) : undefined;
  const dcN = cell === 'lstm' && args.dcN ? tfOf(args.dcN) : undefined;
  const st = saved.tensors;
  const tf = ctx.tf;

  const out = run(ctx, () => {
    const dys = dyIn ? steps(ctx, tf.reshape(dyIn, [T * B, H]), T, B) : undefined;
    const masks = sp.lengths ? stepMaskTensors(tf, sp.lengths, T, true) : undefined;
    // Per-step gradient matMuls multiply by W_hh as stored ([G*H, H]): no transposes.
    const whhRZ = resetBefore ? rows(ctx, st.weightHh, 0, 2 * H) : st.weightHh;
    const whhN = resetBefore ? rows(ctx, st.weightHh, 2 * H, H) : undefined;
    // lstm: d(gate pre-activation)/d(activation) = (1 − a) ⊙ (a + u), u = 1 on the tanh gate g:
    // (1 − s) s for the sigmoid gates i, f, o and (1 − g)(1 + g) = 1 − g² for g.
    const lstmU = cell === 'lstm' ? tf.concat([tf.zeros([2 * H]), tf.ones([H]), tf.zeros([H])]) : undefined;

    let dh: TfTensor = dhN ?? tf.zeros([B, H]);
    let dc: TfTensor | undefined = cell === 'lstm' ? (dcN ?? tf.zeros([B, H])) : undefined;
    const dXp: TfTensor[] = new Array(T); // d(input-side pre-activation) per step [B, G*H]
    const dHp: TfTensor[] = new Array(T); // d(recurrent matMul output) per step [B, G*H] (or [B, 2H])
    const dQ: TfTensor[] = new Array(T); // gru reset-before: d(W_hn (r ⊙ h)) per step [B, H]
    for (let t = T - 1; t >= 0; t--) {
      const dhIn = dh;
      const dcIn = dc;
      const r = tf.tidy(() => {
        const s = st.steps[t];
        const hPrev = t === 0 ? st.h0 : st.h[t - 1];
        const m = masks?.keep[t];
        const pass = masks ? masks.pass?.[t] : undefined;
        // Gradient reaching the unmasked new state: from the carried state and from y_t.
        let dhNew = dys ? tf.add(dhIn, dys[t]) : dhIn;
        if (m) dhNew = tf.mul(dhNew, m);
        // Where masked, the carried state passes straight through to the previous step.
        const prev: TfTensor[] = pass ? [tf.mul(dhIn, pass)] : [];
        let dxp: TfTensor;
        let dhp: TfTensor;
        let dq: TfTensor | undefined;
        let dcPrev: TfTensor | undefined;
        switch (cell) {
          case 'rnn_tanh':
          case 'rnn_relu': {
            const y = s.act;
            dxp = cell === 'rnn_tanh' ? tf.mul(dhNew, tf.sub(1, tf.square(y))) : tf.where(tf.greater(y, 0), dhNew, tf.zerosLike(dhNew));
            dhp = dxp;
            prev.push(tf.matMul(dhp, st.weightHh));
            break;
          }
          case 'lstm': {
            const cPrev = t === 0 ? st.c0! : st.c[t - 1];
            const [i, f, g, o] = s.gates!;
            const tc = s.tanhC!;
            const dO = tf.mul(dhNew, tc);
            let dcNew = tf.mul(tf.mul(dhNew, o), tf.sub(1, tf.square(tc)));
            dcNew = tf.add(dcNew, m ? tf.mul(dcIn!, m) : dcIn!);
            dcPrev = tf.mul(dcNew, f);
            if (pass) dcPrev = tf.add(dcPrev, tf.mul(dcIn!, pass));
            const dAct = tf.concat([tf.mul(dcNew, g), tf.mul(dcNew, cPrev), tf.mul(dcNew, i), dO], 1);
            dxp = tf.mul(dAct, tf.mul(tf.sub(1, s.act), tf.add(s.act, lstmU!)));
            dhp = dxp;
            prev.push(tf.matMul(dhp, st.weightHh));
            break;
          }
          case 'gru': {
            const [rg, zg, n] = [s.act, s.z!, s.n!];
            // h' = n + z ⊙ (h − n)
            const dn = tf.mul(dhNew, tf.sub(1, zg));
            const dz = tf.mul(dhNew, tf.sub(hPrev, n));
            prev.push(tf.mul(dhNew, zg));
            const dnPre = tf.mul(dn, tf.sub(1, tf.square(n)));
            let dr: TfTensor;
            if (resetBefore) {
              // n_pre = x_n + W_hn (r ⊙ h)
              dq = dnPre;
              const dRh = tf.matMul(dnPre, whhN!); // [B, H]
              dr = tf.mul(dRh, hPrev);
              prev.push(tf.mul(dRh, rg));
            } else {
              // n_pre = x_n + r ⊙ (W_hn h + b_hn)
              dr = tf.mul(dnPre, s.aux!);
            }
            const drPre = tf.mul(dr, tf.mul(rg, tf.sub(1, rg)));
            const dzPre = tf.mul(dz, tf.mul(zg, tf.sub(1, zg)));
            dxp = tf.concat([drPre, dzPre, dnPre], 1);
            dhp = tf.concat(resetBefore ? [drPre, dzPre] : [drPre, dzPre, tf.mul(dnPre, rg)], 1);
            prev.push(tf.matMul(dhp, whhRZ));
            break;
          }
        }
        return {
          dh: prev.length === 1 ? prev[0] : tf.addN(prev),
          ...(dcPrev ? { dc: dcPrev } : {}),
          dxp,
          dhp,
          ...(dq ? { dq } : {}),
        };
      });
      dXp[t] = r.dxp;
      dHp[t] = r.dhp;
      if (r.dq) dQ[t] = r.dq;
      dh = r.dh;
      if (r.dc) dc = r.dc;
      // Done with the upstream gradients of this step.
      if (t < T - 1) {
        if (dhIn !== dhN) dhIn.dispose();
        if (dcIn && dcIn !== dcN) dcIn.dispose();
      }
      dys?.[t].dispose();
    }

    // Weight gradients over all steps as single matMuls.
    const dXpAll = tf.concat(dXp, 0); // [T*B, G*H]
    const dWeightIh = matMul(ctx, dXpAll, tf.reshape(st.x, [T * B, D]), true, false);
    const dx = args.inputGrad === false ? undefined : tf.reshape(tf.matMul(dXpAll, st.weightIh), [T, B, D]); // skipped when not wanted
    const hPrevAll = tf.concat([st.h0, ...st.h], 0); // [T*B, H]
    const sameGates = cell !== 'gru';
    const dHpAll = sameGates ? dXpAll : tf.concat(dHp, 0);
    let dWeightHh = matMul(ctx, dHpAll, hPrevAll, true, false); // [G*H, H] (or [2H, H])
    let dBiasHh = sp.hasBiasHh ? columnSums(ctx, dHpAll) : undefined;
    if (resetBefore) {
      // W_hn multiplies r ⊙ h: its gradient pairs the n-gate gradients with those products.
      const dQAll = tf.concat(dQ, 0);
      const rhAll = tf.concat(
        st.steps.map((s) => s.aux!),
        0,
      );
      dWeightHh = tf.concat([dWeightHh, matMul(ctx, dQAll, rhAll, true, false)], 0);
      if (dBiasHh) dBiasHh = tf.concat([dBiasHh, columnSums(ctx, dQAll)], 0);
    }
    const dBiasIh = sp.hasBiasIh ? (sameGates && dBiasHh ? tf.clone(dBiasHh) : columnSums(ctx, dXpAll)) : undefined;
    return {
      ...(dx ? { dx } : {}),
      dh0: tf.clone(dh),
      ...(dc ? { dc0: tf.clone(dc) } : {}),
      dWeightIh,
      dWeightHh,
      ...(dBiasIh ? { dBiasIh } : {}),
      ...(dBiasHh ? { dBiasHh } : {}),
    };
  });

  return {
    ...(out.dx ? { dx: wrap(ctx, out.dx) } : {}),
    dh0: wrap(ctx, out.dh0),
    ...(out.dc0 ? { dc0: wrap(ctx, out.dc0) } : {}),
    dWeightIh: wrap(ctx, out.dWeightIh),
    dWeightHh: wrap(ctx, out.dWeightHh),
    ...(out.dBiasIh ? { dBiasIh: wrap(ctx, out.dBiasIh) } : {}),
    ...(out.dBiasHh ? { dBiasHh: wrap(ctx, out.dBiasHh) } : {}),
  };
}
