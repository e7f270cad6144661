import { gateCount, hasCellState } from '../cells.js';
import type { RecurrentSpec } from '../graph/spec.js';
import { isReverseDirection, numDirections } from '../graph/spec.js';
import { directionParamNames } from '../params/names.js';

/**
 * Plain float64 recurrent layer, written straight from the equations with loops: the oracle
 * every backend is compared against. Slow on purpose; for tests only.
 * Layouts: x is [B, T, D] when spec.batchFirst, else [T, B, D]; states [L*dirs, B, H].
 */
export interface Reference64Inputs {
  x: Float64Array;
  T: number;
  B: number;
  h0?: Float64Array;
  c0?: Float64Array;
  lengths?: ArrayLike<number>;
  params: ReadonlyMap<string, Float64Array>;
}

export interface Reference64Outputs {
  output: Float64Array; // spec layout, dirs*H features
  hN: Float64Array;
  cN?: Float64Array;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** One cell step for one sequence: returns [h', c']. W rows are gate-major as in PyTorch. */
function cellStep(
  spec: RecurrentSpec,
  x: Float64Array,
  h: Float64Array,
  c: Float64Array,
  wih: Float64Array,
  whh: Float64Array,
  bih: Float64Array | undefined,
  bhh: Float64Array | undefined,
  D: number,
): [Float64Array, Float64Array] {
  const H = spec.hiddenSize;
  const G = gateCount(spec.cell);
  const gi = new Float64Array(G * H); // W_ih x + b_ih
  const gh = new Float64Array(G * H); // W_hh h + b_hh
  for (let r = 0; r < G * H; r++) {
    let s = bih ? bih[r] : 0;
    for (let k = 0; k < D; k++) s += wih[r * D + k] * x[k];
    gi[r] = s;
    let q = bhh ? bhh[r] : 0;
    for (let k = 0; k < H; k++) q += whh[r * H + k] * h[k];
    gh[r] = q;
  }
  const hn = new Float64Array(H);
  const cn = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    switch (spec.cell) {
      case 'rnn_tanh':
        hn[j] = Math.tanh(gi[j] + gh[j]);
        break;
      case 'rnn_relu':
        hn[j] = Math.max(0, gi[j] + gh[j]);
        break;
      case 'lstm': {
        const i = sigmoid(gi[j] + gh[j]);
        const f = sigmoid(gi[H + j] + gh[H + j]);
        const g = Math.tanh(gi[2 * H + j] + gh[2 * H + j]);
        const o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
        cn[j] = f * c[j] + i * g;
        hn[j] = o * Math.tanh(cn[j]);
        break;
      }
      case 'gru':
        break;
    }
  }
  if (spec.cell === 'gru') {
    const r = new Float64Array(H);
    const z = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      r[j] = sigmoid(gi[j] + gh[j]);
      z[j] = sigmoid(gi[H + j] + gh[H + j]);
    }
    for (let j = 0; j < H; j++) {
      let hnPart: number;
      if (spec.gruResetAfter) {
        hnPart = r[j] * gh[2 * H + j];
      } else {
        // W_hn (r ⊙ h) + b_hn
        let q = bhh ? bhh[2 * H + j] : 0;
        for (let k = 0; k < H; k++) q += whh[(2 * H + j) * H + k] * r[k] * h[k];
        hnPart = q;
      }
      const n = Math.tanh(gi[2 * H + j] + hnPart);
      hn[j] = (1 - z[j]) * n + z[j] * h[j];
    }
  }
  return [hn, cn];
}

export function referenceRecurrent64(spec: RecurrentSpec, inp: Reference64Inputs): Reference64Outputs {
  const { T, B } = inp;
  const H = spec.hiddenSize;
  const dirs = numDirections(spec);
  const lstm = hasCellState(spec.cell);
  const L = spec.numLayers;
  const idx = (t: number, b: number, F: number) => (spec.batchFirst ? (b * T + t) * F : (t * B + b) * F);
  let D = spec.inputSize;
  let input = inp.x; // spec layout
  const hN = new Float64Array(L * dirs * B * H);
  const cN = new Float64Array(L * dirs * B * H);
  for (let layer = 0; layer < L; layer++) {
    const F = dirs * H;
    const out = new Float64Array(T * B * F);
    for (let d = 0; d < dirs; d++) {
      const n = directionParamNames(spec, layer, d === 1);
      const wih = inp.params.get(n.weightIh)!;
      const whh = inp.params.get(n.weightHh)!;
      const bih = n.biasIh ? inp.params.get(n.biasIh) : undefined;
      const bhh = n.biasHh ? inp.params.get(n.biasHh) : undefined;
      const si = (layer * dirs + d) * B * H;
      for (let b = 0; b < B; b++) {
        const len = inp.lengths ? inp.lengths[b] : T;
        let h: Float64Array = inp.h0 ? inp.h0.slice(si + b * H, si + (b + 1) * H) : new Float64Array(H);
        let c: Float64Array = inp.c0 ? inp.c0.slice(si + b * H, si + (b + 1) * H) : new Float64Array(H);
        for (let s = 0; s < len; s++) {
          const t = isReverseDirection(spec, d) ? len - 1 - s : s; // reverse starts at the sequence's own last step
          const xt = input.subarray(idx(t, b, D), idx(t, b, D) + D);
          [h, c] = cellStep(spec, xt, h, c, wih, whh, bih, bhh, D);
          out.set(h, idx(t, b, F) + d * H);
        }
        hN.set(h, si + b * H);
        if (lstm) cN.set(c, si + b * H);
      }
    }
    input = out;
    D = F;
  }
  return { output: input, hN, ...(lstm ? { cN } : {}) };
}
