import { gateCount } from '../../cells.js';
import { RnnkitError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { Backend, RecurrentForwardArgs, RecurrentForwardResult, RecurrentSaved } from '../backend.js';
import { Scope } from '../scope.js';

/** Per-step values the composite backward needs (post-activation gates, previous states). */
export interface CompositeStep {
  hPrev: Tensor; // [B, H]
  cPrev?: Tensor; // [B, H]
  hNew: Tensor; // [B, H] unmasked candidate state
  cNew?: Tensor;
  tanhC?: Tensor;
  /** Activated gates, each [B, H], in the cell's gate order. */
  gates: Tensor[];
  /** GRU: W_hn h + b_hn (reset-after) or r ⊙ h (reset-before). */
  gruAux?: Tensor;
}

export class CompositeSaved implements RecurrentSaved {
  constructor(
    /** The backend whose composite forward made it: backward must run on the same one. */
    readonly backend: Backend,
    readonly steps: CompositeStep[],
    readonly masks: Tensor[] | undefined,
    private readonly scope: Scope,
  ) {}
  dispose(): void {
    this.scope.dispose();
  }
}

/** Per-step masks [B]: 1 while t < lengths[b], else 0. */
export function stepMasks(lengths: Int32Array, T: number): Float32Array[] {
  const B = lengths.length;
  const out: Float32Array[] = [];
  for (let t = 0; t < T; t++) {
    const m = new Float32Array(B);
    for (let b = 0; b < B; b++) m[b] = t < lengths[b] ? 1 : 0;
    out.push(m);
  }
  return out;
}

/**
 * Reference fused forward written with primitives only: one GEMM projects every step's input,
 * then each step adds the recurrent GEMM and applies the gate math. Any backend that
 * implements the primitives runs recurrent layers through this.
 */
export function compositeRecurrentForward(be: Backend, a: RecurrentForwardArgs): RecurrentForwardResult {
  if (a.batchFirst) {
    throw new RnnkitError('UNSUPPORTED', 'batchFirst: the composite recurrent kernels are time-major only (core re-lays the input out for them)', {
      argument: 'batchFirst',
    });
  }
  const [T, B, D] = a.x.shape;
  const G = gateCount(a.cell);
  const H = a.weightHh.shape[1];
  if (a.weightHh.shape[0] !== G * H) {
    throw new RnnkitError('SHAPE_MISMATCH', `weightHh: expected [${G * H}, ${H}], got [${a.weightHh.shape.join(', ')}]`, { argument: 'weightHh' });
  }
  const tmp = new Scope(be); // released at the end of forward
  const keep = new Scope(be); // kept for backward when training
  const made = new Scope(be); // results, released only if the call fails
  try {
    const k = <X extends Tensor>(x: X): X => (a.training ? keep.t(x) : tmp.t(x));

    // Input projection of all steps at once: [T*B, G*H].
    const x2 = tmp.t(be.reshape(a.x, [T * B, D]));
    let xp = tmp.t(be.matmul(x2, a.weightIh, { transposeB: true }));
    if (a.biasIh) xp = tmp.t(be.addRowVector(xp, a.biasIh));

    const resetBefore = a.cell === 'gru' && !a.gruResetAfter;
    const whhRZ = resetBefore ? tmp.t(be.sliceRows(a.weightHh, 0, 2 * H)) : undefined;
    const whhN = resetBefore ? tmp.t(be.sliceRows(a.weightHh, 2 * H, H)) : undefined;
    const bhhRZ = resetBefore && a.biasHh ? tmp.t(be.reshape(tmp.t(be.sliceRows(tmp.t(be.reshape(a.biasHh, [G * H, 1])), 0, 2 * H)), [2 * H])) : undefined;
    const bhhN = resetBefore && a.biasHh ? tmp.t(be.reshape(tmp.t(be.sliceRows(tmp.t(be.reshape(a.biasHh, [G * H, 1])), 2 * H, H)), [H])) : undefined;

    const masks = a.lengths ? stepMasks(a.lengths, T).map((m) => k(be.upload(m, [B]))) : undefined;
    const steps: CompositeStep[] = [];
    const ys: Tensor[] = [];
    let h = a.h0;
    let c = a.c0 ?? (a.cell === 'lstm' ? tmp.t(be.zeros([B, H])) : undefined); // an LSTM without c0 starts from zeros
    for (let t = 0; t < T; t++) {
      const xt = tmp.t(be.sliceRows(xp, t * B, B));
      const gate = (src: Tensor, g: number): Tensor => tmp.t(be.sliceColumns(src, g * H, H));
      let hp: Tensor;
      if (resetBefore) {
        hp = tmp.t(be.matmul(h, whhRZ!, { transposeB: true }));
        if (bhhRZ) hp = tmp.t(be.addRowVector(hp, bhhRZ));
      } else {
        hp = tmp.t(be.matmul(h, a.weightHh, { transposeB: true }));
        if (a.biasHh) hp = tmp.t(be.addRowVector(hp, a.biasHh));
      }
      const step: CompositeStep = { hPrev: h, cPrev: c, hNew: h, gates: [] };
      let hNew: Tensor;
      let cNew: Tensor | undefined;
      switch (a.cell) {
        case 'rnn_tanh':
        case 'rnn_relu': {
          const pre = tmp.t(be.add(xt, hp));
          hNew = k(a.cell === 'rnn_tanh' ? be.tanh(pre) : be.relu(pre));
          break;
        }
        case 'lstm': {
          const pre = tmp.t(be.add(xt, hp));
          const i = k(be.sigmoid(gate(pre, 0)));
          const f = k(be.sigmoid(gate(pre, 1)));
          const g = k(be.tanh(gate(pre, 2)));
          const o = k(be.sigmoid(gate(pre, 3)));
          cNew = k(be.add(tmp.t(be.mul(f, c!)), tmp.t(be.mul(i, g))));
          const tc = k(be.tanh(cNew));
          hNew = k(be.mul(o, tc));
          step.gates = [i, f, g, o];
          step.cNew = cNew;
          step.tanhC = tc;
          break;
        }
        case 'gru': {
          const r = k(be.sigmoid(tmp.t(be.add(gate(xt, 0), gate(hp, 0)))));
          const z = k(be.sigmoid(tmp.t(be.add(gate(xt, 1), gate(hp, 1)))));
          let aux: Tensor;
          let nIn: Tensor;
          if (resetBefore) {
            aux = k(be.mul(r, h)); // r ⊙ h
            let q = tmp.t(be.matmul(aux, whhN!, { transposeB: true }));
            if (bhhN) q = tmp.t(be.addRowVector(q, bhhN));
            nIn = q;
          } else {
            aux = k(be.sliceColumns(hp, 2 * H, H)); // W_hn h + b_hn, kept for backward
            nIn = tmp.t(be.mul(r, aux));
          }
          const n = k(be.tanh(tmp.t(be.add(gate(xt, 2), nIn))));
          // h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n)
          hNew = k(be.add(n, tmp.t(be.mul(z, tmp.t(be.sub(h, n))))));
          step.gates = [r, z, n];
          step.gruAux = aux;
          break;
        }
      }
      step.hNew = hNew;
      if (masks) {
        const m = masks[t];
        // Past a sequence's end its state holds and its output is zero.
        const hMasked = k(be.add(h, tmp.t(be.mulColumnVector(tmp.t(be.sub(hNew, h)), m))));
        ys.push(tmp.t(be.mulColumnVector(hNew, m)));
        h = hMasked;
        if (cNew) c = k(be.add(c!, tmp.t(be.mulColumnVector(tmp.t(be.sub(cNew, c!)), m))));
      } else {
        ys.push(hNew);
        h = hNew;
        if (cNew) c = cNew;
      }
      steps.push(step);
    }
    const y2 = tmp.t(be.concatRows(ys));
    const y = made.t(be.reshape(y2, [T, B, H]));
    // Final states are returned as fresh tensors so the caller owns them outright.
    const hN = made.t(be.affine(h, 1, 0));
    const cN = a.cell === 'lstm' ? made.t(be.affine(c!, 1, 0)) : undefined;
    tmp.dispose();
    const saved = a.training ? new CompositeSaved(be, steps, masks, keep) : undefined;
    if (!a.training) keep.dispose();
    return { y, hN, ...(cN ? { cN } : {}), ...(saved ? { saved } : {}) };
  } catch (e) {
    // A primitive failed part-way: release what this call made, then rethrow.
    tmp.dispose();
    keep.dispose();
    made.dispose();
    throw e;
  }
}
