import type { Model, RecurrentSpec, Tensor, TokenInput } from '@rnnkit/core';
import { RnnkitError } from '@rnnkit/core';

/**
 * One sequence to measure gradient flow on: floats [T, F] or token ids [T], with an optional
 * initial state of the first recurrent layer ([numLayers, 1, H] each, a seq2seq decoder's).
 */
export interface GradientProbe {
  model: Model;
  input: { kind: 'float'; data: Float32Array; features: number } | { kind: 'ids'; ids: Int32Array };
  h0?: Float32Array;
  c0?: Float32Array;
  /**
   * Per-step classifiers: the loss is the cross-entropy of the last step's logits against this
   * class. Without it (a many-to-one regression head) the loss is the sum of the last outputs.
   */
  target?: number;
}

export interface HiddenGradients {
  /** 1..T−1: how many steps lie between h_t and the step where the loss is taken. */
  distance: number[];
  /** norms[l][i] = ‖∂L/∂h_t‖ of layer l at distance[i] (t = T − 1 − distance[i]). */
  norms: number[][];
}

function seqLength(p: GradientProbe): number {
  return p.input.kind === 'float' ? p.input.data.length / p.input.features : p.input.ids.length;
}

/** Rows [start, T) of the probe's sequence for each start, padded at the end to `width` steps. */
function suffixBatch(p: GradientProbe, starts: number[], width: number): { data: Float32Array; shape: number[] } | TokenInput {
  const T = seqLength(p);
  const input = p.input;
  if (input.kind === 'float') {
    const F = input.features;
    const data = new Float32Array(starts.length * width * F);
    for (const [r, s] of starts.entries()) data.set(input.data.subarray(s * F, T * F), r * width * F);
    return { data, shape: [starts.length, width, F] };
  }
  const ids = new Int32Array(starts.length * width);
  for (const [r, s] of starts.entries()) ids.set(input.ids.subarray(s, T), r * width);
  return { ids, shape: [starts.length, width] };
}

function repeatState(s: Float32Array, L: number, H: number, B: number): { data: Float32Array; shape: number[] } {
  const out = new Float32Array(L * B * H);
  for (let l = 0; l < L; l++) for (let b = 0; b < B; b++) out.set(s.subarray(l * H, (l + 1) * H), (l * B + b) * H);
  return { data: out, shape: [L, B, H] };
}

/**
 * ‖∂L/∂h_t‖ over t, where L is the loss at the sequence's last step and h_t the hidden state of
 * the model's first recurrent layer after step t (every stacked layer of it): the chart of the
 * vanishing-gradient example, for any trained model, through the public API only.
 *
 * Two batched passes, one row per t < T−1:
 * 1. forward over the sequence with `lengths` t+1, so row t's final state is (h_t, c_t);
 * 2. forward from that state over steps t+1..T−1 (`h0`, `c0`, lengths T−1−t, so every row ends
 *    at step T−1), loss on each row's last step, backward: the gradient of the initial state is
 *    ∂L/∂h_t with everything before t held fixed, i.e. the gradient flowing into h_t.
 */
export async function hiddenStateGradients(p: GradientProbe): Promise<HiddenGradients> {
  const model = p.model;
  const be = model.backend;
  const rec = model.spec.layers.find((l): l is RecurrentSpec => l.type === 'recurrent');
  if (!rec) throw new RnnkitError('UNSUPPORTED', 'model: has no recurrent layer', { argument: 'model' });
  if (rec.bidirectional || rec.direction === 'reverse' || !rec.batchFirst)
    throw new RnnkitError('UNSUPPORTED', 'model: gradient flow is measured for batch-first, forward (unidirectional) models', { argument: 'model' });
  const T = seqLength(p);
  const M = T - 1;
  if (M < 1) throw new RnnkitError('INVALID_ARGUMENT', `input: expected at least 2 steps, got ${T}`, { argument: 'input' });
  const L = rec.numLayers;
  const H = rec.hiddenSize;
  const rows = Array.from({ length: M }, (_, t) => t);

  // 1. States after each step t = 0..T−2: the whole sequence M times, row t cut at length t+1.
  const full = suffixBatch(
    p,
    rows.map(() => 0),
    T,
  );
  const pre = model.forward(full, {
    lengths: rows.map((t) => t + 1),
    ...(p.h0 ? { h0: repeatState(p.h0, L, H, M) } : {}),
    ...(p.c0 ? { c0: repeatState(p.c0, L, H, M) } : {}),
  });
  const owned: Tensor[] = [];
  let suf: ReturnType<Model['forward']> | undefined;
  let grads: ReturnType<ReturnType<Model['forward']>['backward']> | undefined;
  try {
    const st = pre.states[0];
    // 2. From (h_t, c_t) over steps t+1..T−1.
    suf = model.forward(
      suffixBatch(
        p,
        rows.map((t) => t + 1),
        M,
      ),
      {
        lengths: rows.map((t) => M - t),
        h0: st.hN,
        ...(st.cN ? { c0: st.cN } : {}),
        training: true,
      },
    );
    const out = suf.output;
    let dOutput: Tensor;
    if (out.shape.length === 2) {
      // Many-to-one: [M, O] at each row's last valid step.
      dOutput = be.fill(out.shape, 1);
    } else {
      // Per-step logits [M, M, V]: cross-entropy at each row's last valid step (M−1−t).
      const V = out.shape[2];
      const logits = await be.read(out);
      const d = new Float32Array(logits.length);
      for (const t of rows) {
        const at = (t * M + (M - 1 - t)) * V;
        let max = -Infinity;
        for (let v = 0; v < V; v++) max = Math.max(max, logits[at + v]);
        let sum = 0;
        for (let v = 0; v < V; v++) sum += Math.exp(logits[at + v] - max);
        for (let v = 0; v < V; v++) d[at + v] = Math.exp(logits[at + v] - max) / sum - (v === p.target ? 1 : 0);
      }
      dOutput = be.upload(d, out.shape);
    }
    owned.push(dOutput);
    grads = suf.backward({ dOutput });
    if (!grads.h0) throw new RnnkitError('UNSUPPORTED', 'model: backward returned no initial-state gradient', { argument: 'model' });
    const g = await be.read(grads.h0); // [L, M, H]
    const norms = Array.from({ length: L }, (_, l) =>
      rows.map((t) => {
        let s = 0;
        for (let k = 0; k < H; k++) s += g[(l * M + t) * H + k] ** 2;
        return Math.sqrt(s);
      }),
    );
    // Row t is distance M − t = T−1−t; report nearest first.
    return { distance: rows.map((t) => M - t).reverse(), norms: norms.map((n) => n.reverse()) };
  } finally {
    grads?.dispose();
    suf?.dispose();
    for (const t of owned) be.dispose(t);
    pre.dispose();
  }
}
