import { gateCount } from '../../cells.js';
import { RnnkitError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { Backend, RecurrentBackwardArgs, RecurrentBackwardResult } from '../backend.js';
import { Scope } from '../scope.js';
import { CompositeSaved } from './recurrent_forward.js';

/**
 * Reference BPTT written with primitives, the adjoint of `compositeRecurrentForward`. It walks
 * the steps backwards collecting each step's gate gradients, then forms the input-side
 * gradients (dx, dW_ih, db_ih) with one GEMM over all steps.
 */
export function compositeRecurrentBackward(be: Backend, args: RecurrentBackwardArgs): RecurrentBackwardResult {
  const a = args.forward;
  if (a.batchFirst) {
    throw new RnnkitError('UNSUPPORTED', 'forward.batchFirst: the composite recurrent kernels are time-major only (core re-lays the input out for them)', {
      argument: 'forward.batchFirst',
    });
  }
  if (!(args.saved instanceof CompositeSaved)) {
    throw new RnnkitError('INVALID_ARGUMENT', 'saved: expected the value returned by the composite recurrent forward', { argument: 'saved' });
  }
  const { steps, masks } = args.saved;
  const [T, B, D] = a.x.shape;
  const G = gateCount(a.cell);
  const H = a.weightHh.shape[1];
  const s = new Scope(be);
  const made = new Scope(be); // results, released only if the call fails
  try {
    const resetBefore = a.cell === 'gru' && !a.gruResetAfter;
    const whhRZ = resetBefore ? s.t(be.sliceRows(a.weightHh, 0, 2 * H)) : undefined;
    const whhN = resetBefore ? s.t(be.sliceRows(a.weightHh, 2 * H, H)) : undefined;
    const whhRec = resetBefore ? whhRZ! : a.weightHh; // what multiplies h in the step's recurrent GEMM

    let dh: Tensor = args.dhN ?? s.t(be.zeros([B, H]));
    let dc: Tensor | undefined = a.cell === 'lstm' ? (args.dcN ?? s.t(be.zeros([B, H]))) : undefined;
    const dy2 = args.dy ? s.t(be.reshape(args.dy, [T * B, H])) : undefined;
    const dXp: Tensor[] = new Array(T); // d(pre-activation) on the input side, per step [B, G*H]
    const dHp: Tensor[] = new Array(T); // d(recurrent GEMM output), per step [B, G*H] (or [B, 2H])
    const dQ: Tensor[] = new Array(T); // GRU reset-before: d(W_hn (r ⊙ h) + b_hn), per step [B, H]

    for (let t = T - 1; t >= 0; t--) {
      const st = steps[t];
      const m = masks?.[t];
      const oneMinus = m ? s.t(be.affine(m, -1, 1)) : undefined;
      // Gradient reaching the unmasked candidate state: from the carried state and from y_t.
      let dhNew = dh;
      if (dy2) dhNew = s.t(be.add(dhNew, s.t(be.sliceRows(dy2, t * B, B))));
      if (m) dhNew = s.t(be.mulColumnVector(dhNew, m));
      // Where masked, the carried state passes straight through to the previous step.
      let dhPrev: Tensor | undefined = m ? s.t(be.mulColumnVector(dh, oneMinus!)) : undefined;
      const addPrev = (x: Tensor) => {
        dhPrev = dhPrev ? s.t(be.add(dhPrev, x)) : x;
      };
      switch (a.cell) {
        case 'rnn_tanh':
        case 'rnn_relu': {
          const dpre = s.t(a.cell === 'rnn_tanh' ? be.tanhBackward(st.hNew, dhNew) : be.reluBackward(st.hNew, dhNew));
          dXp[t] = dpre;
          dHp[t] = dpre;
          break;
        }
        case 'lstm': {
          const [i, f, g, o] = st.gates;
          const dO = s.t(be.mul(dhNew, st.tanhC!));
          const dTc = s.t(be.mul(dhNew, o));
          let dcNew = s.t(be.tanhBackward(st.tanhC!, dTc));
          dcNew = s.t(be.add(dcNew, m ? s.t(be.mulColumnVector(dc!, m)) : dc!));
          const dcPrevDirect = s.t(be.mul(dcNew, f));
          dc = m ? s.t(be.add(dcPrevDirect, s.t(be.mulColumnVector(dc!, oneMinus!)))) : dcPrevDirect;
          const dpre = s.t(
            be.concatColumns([
              s.t(be.sigmoidBackward(i, s.t(be.mul(dcNew, g)))),
              s.t(be.sigmoidBackward(f, s.t(be.mul(dcNew, st.cPrev!)))),
              s.t(be.tanhBackward(g, s.t(be.mul(dcNew, i)))),
              s.t(be.sigmoidBackward(o, dO)),
            ]),
          );
          dXp[t] = dpre;
          dHp[t] = dpre;
          break;
        }
        case 'gru': {
          const [r, z, n] = st.gates;
          const h = st.hPrev;
          // h' = n + z ⊙ (h − n)
          const dn = s.t(be.mul(dhNew, s.t(be.affine(z, -1, 1))));
          const dz = s.t(be.mul(dhNew, s.t(be.sub(h, n))));
          addPrev(s.t(be.mul(dhNew, z)));
          const dnPre = s.t(be.tanhBackward(n, dn));
          const dzPre = s.t(be.sigmoidBackward(z, dz));
          let dr: Tensor;
          if (resetBefore) {
            // n_pre = x_n + W_hn (r ⊙ h) + b_hn
            dQ[t] = dnPre;
            const dRh = s.t(be.matmul(dnPre, whhN!)); // [B, H]
            dr = s.t(be.mul(dRh, h));
            addPrev(s.t(be.mul(dRh, r)));
            const drPre = s.t(be.sigmoidBackward(r, dr));
            dXp[t] = s.t(be.concatColumns([drPre, dzPre, dnPre]));
            dHp[t] = s.t(be.concatColumns([drPre, dzPre]));
          } else {
            // n_pre = x_n + r ⊙ (W_hn h + b_hn)
            dr = s.t(be.mul(dnPre, st.gruAux!));
            const drPre = s.t(be.sigmoidBackward(r, dr));
            dXp[t] = s.t(be.concatColumns([drPre, dzPre, dnPre]));
            dHp[t] = s.t(be.concatColumns([drPre, dzPre, s.t(be.mul(dnPre, r))]));
          }
          break;
        }
      }
      addPrev(s.t(be.matmul(dHp[t], whhRec)));
      dh = dhPrev!;
    }

    // Weight gradients over all steps as single GEMMs.
    const x2 = s.t(be.reshape(a.x, [T * B, D]));
    const dXpAll = s.t(be.concatRows(dXp)); // [T*B, G*H]
    const dWeightIh = made.t(be.matmul(dXpAll, x2, { transposeA: true })); // [G*H, D]
    const dx = args.inputGrad === false ? undefined : made.t(be.reshape(s.t(be.matmul(dXpAll, a.weightIh)), [T, B, D]));
    const hPrevAll = s.t(be.concatRows(steps.map((st) => st.hPrev))); // [T*B, H]
    const dHpAll = s.t(be.concatRows(dHp));
    let dWeightHh = made.t(be.matmul(dHpAll, hPrevAll, { transposeA: true })); // [G*H, H] (or [2H, H])
    let dBiasHh = a.biasHh ? made.t(be.sumRows(dHpAll)) : undefined;
    if (resetBefore) {
      const dQAll = s.t(be.concatRows(dQ));
      const rhAll = s.t(be.concatRows(steps.map((st) => st.gruAux!)));
      const dWn = s.t(be.matmul(dQAll, rhAll, { transposeA: true }));
      const dWrz = dWeightHh;
      dWeightHh = made.t(be.concatRows([dWrz, dWn]));
      made.release(dWrz);
      s.t(dWrz);
      if (dBiasHh) {
        made.release(dBiasHh);
        const rz = s.t(be.reshape(s.t(dBiasHh), [2 * H, 1]));
        const nn = s.t(be.reshape(s.t(be.sumRows(dQAll)), [H, 1]));
        dBiasHh = made.t(be.reshape(s.t(be.concatRows([rz, nn])), [G * H]));
      }
    }
    const dBiasIh = a.biasIh ? made.t(be.sumRows(dXpAll)) : undefined;
    const dh0 = made.t(be.affine(dh, 1, 0));
    const dc0 = dc ? made.t(be.affine(dc, 1, 0)) : undefined;
    s.dispose();
    return {
      ...(dx ? { dx } : {}),
      dh0,
      ...(dc0 ? { dc0 } : {}),
      dWeightIh,
      dWeightHh,
      ...(dBiasIh ? { dBiasIh } : {}),
      ...(dBiasHh ? { dBiasHh } : {}),
    };
  } catch (e) {
    // A primitive failed part-way: release what this call made, then rethrow.
    s.dispose();
    made.dispose();
    throw e;
  }
}
