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
    /** What each time step kept for backward (gate activations, states), in time order. */
    readonly steps: CompositeStep[],
    /** Per-step length masks [B] (1 while t < lengths[b], else 0); undefined without `lengths`. */
    readonly masks: Tensor[] | undefined,
    private readonly scope: Scope,
  ) {}
  /** Releases every tensor kept for backward (steps and masks). */
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
 * How the composite recurrence gets its matrix products: the input projection of every step at
 * once, and the recurrent one. `hidden` gives [B, G·H] with biasHh added; `hiddenRZ` /
 * `hiddenN` serve GRU reset-before (the r,z columns of W_hh h + b_hh, and W_hn (r ⊙ h) + b_hn).
 * Every tensor they return is the caller's to dispose.
 */
export interface RecurrentProjections {
  /** Every step's input projection at once: x2 [T·B, D] → x2 · W_ihᵀ + b_ih, [T·B, G·H]. */
  input(x2: Tensor): Tensor;
  /** The recurrent projection h [B, H] → h · W_hhᵀ + b_hh, [B, G·H]. */
  hidden(h: Tensor): Tensor;
  /** GRU reset-before: the r and z gates' recurrent projection, h [B, H] → [B, 2H] (rows 0..2H of W_hh, b_hh). */
  hiddenRZ(h: Tensor): Tensor;
  /** GRU reset-before: the n gate's projection of r ⊙ h [B, H] → [B, H] (rows 2H..3H of W_hh, b_hh). */
  hiddenN(rh: Tensor): Tensor;
  /** Releases what the projections hold (the float path's W_hh / b_hh row slices); the weights themselves stay. */
  dispose(): void;
}

/** Float32 weights' projections: GEMMs with the primitives. */
function floatProjections(be: Backend, a: RecurrentForwardArgs, H: number, G: number): RecurrentProjections {
  const own = new Scope(be);
  const resetBefore = a.cell === 'gru' && !a.gruResetAfter;
  let whhRZ: Tensor | undefined;
  let whhN: Tensor | undefined;
  let bhhRZ: Tensor | undefined;
  let bhhN: Tensor | undefined;
  try {
    if (resetBefore) {
      whhRZ = own.t(be.sliceRows(a.weightHh, 0, 2 * H));
      whhN = own.t(be.sliceRows(a.weightHh, 2 * H, H));
      if (a.biasHh) {
        const col = own.t(be.reshape(a.biasHh, [G * H, 1]));
        bhhRZ = own.t(be.reshape(own.t(be.sliceRows(col, 0, 2 * H)), [2 * H]));
        bhhN = own.t(be.reshape(own.t(be.sliceRows(col, 2 * H, H)), [H]));
      }
    }
  } catch (e) {
    own.dispose();
    throw e;
  }
  const gemm = (x: Tensor, w: Tensor, b: Tensor | undefined): Tensor => {
    const p = be.matmul(x, w, { transposeB: true });
    if (!b) return p;
    try {
      return be.addRowVector(p, b);
    } finally {
      be.dispose(p);
    }
  };
  return {
    input: (x2) => gemm(x2, a.weightIh, a.biasIh),
    hidden: (h) => gemm(h, a.weightHh, a.biasHh),
    hiddenRZ: (h) => gemm(h, whhRZ!, bhhRZ),
    hiddenN: (rh) => gemm(rh, whhN!, bhhN),
    dispose: () => own.dispose(),
  };
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
  const G = gateCount(a.cell);
  const H = a.weightHh.shape[1];
  if (a.weightHh.shape[0] !== G * H) {
    throw new RnnkitError('SHAPE_MISMATCH', `weightHh: expected [${G * H}, ${H}], got [${a.weightHh.shape.join(', ')}]`, { argument: 'weightHh' });
  }
  const proj = floatProjections(be, a, H, G);
  try {
    return compositeRecurrence(be, a, H, proj);
  } finally {
    proj.dispose();
  }
}

/**
 * The recurrence itself (gate math, lengths, states) over any projections: the float composite
 * above and the int8 one (`quantized_recurrent_forward.ts`) share it. `a.weightIh`/`weightHh`
 * are not read here.
 */
export function compositeRecurrence(
  be: Backend,
  a: Omit<RecurrentForwardArgs, 'weightIh' | 'weightHh'>,
  H: number,
  proj: RecurrentProjections,
): RecurrentForwardResult {
  const [T, B, D] = a.x.shape;
  const tmp = new Scope(be); // released at the end of forward
  const keep = new Scope(be); // kept for backward when training
  const made = new Scope(be); // results, released only if the call fails
  try {
    const k = <X extends Tensor>(x: X): X => (a.training ? keep.t(x) : tmp.t(x));

    // Input projection of all steps at once: [T*B, G*H].
    const x2 = tmp.t(be.reshape(a.x, [T * B, D]));
    const xp = tmp.t(proj.input(x2));

    const resetBefore = a.cell === 'gru' && !a.gruResetAfter;

    const masks = a.lengths ? stepMasks(a.lengths, T).map((m) => k(be.upload(m, [B]))) : undefined;
    const steps: CompositeStep[] = [];
    const ys: Tensor[] = [];
    let h = a.h0;
    let c = a.c0 ?? (a.cell === 'lstm' ? tmp.t(be.zeros([B, H])) : undefined); // an LSTM without c0 starts from zeros
    for (let t = 0; t < T; t++) {
      const xt = tmp.t(be.sliceRows(xp, t * B, B));
      const gate = (src: Tensor, g: number): Tensor => tmp.t(be.sliceColumns(src, g * H, H));
      const hp = tmp.t(resetBefore ? proj.hiddenRZ(h) : proj.hidden(h));
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
            nIn = tmp.t(proj.hiddenN(aux));
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
