import type { RecurrentForwardArgs, RecurrentForwardResult } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import { checkWorkingSet } from '../limits.js';
import type { TfjsTensor } from '../tensor.js';
import { run, wrap } from '../tensor.js';
import type { TfTensor } from '../tf.js';
import { columnBlocks, matMul, rows, steps } from './layout_impl.js';
import type { SavedStep, SavedTensors } from './recurrent_impl.js';
import { forwardWorkingBytes, recurrentProblem, stepMaskTensors, TfjsRecurrentSaved } from './recurrent_impl.js';

/**
 * A whole layer-direction forward in time, written for tfjs: one matMul projects every step's
 * input (with every bias that can be folded there), then each step runs inside its own tf.tidy
 * with one recurrent matMul and the gate math; nothing is read back to JavaScript. Semantics are
 * core's composite kernel's: PyTorch gate orders (lstm i,f,g,o; gru r,z,n), and with lengths a
 * step t ≥ lengths[b] keeps b's state and outputs zeros.
 *
 * x [T, B, D] → y [T, B, H], hN [B, H] (cN [B, H] for lstm).
 */
export function recurrentForward(ctx: TfjsContext, args: RecurrentForwardArgs<TfjsTensor>): RecurrentForwardResult<TfjsTensor> {
  const p = recurrentProblem(args);
  const { cell, resetBefore, T, B, D, H, G } = p;
  const tf = ctx.tf;
  const training = args.training === true;
  // Core checked y's size; the per-step tensors (and, training, what backward keeps) are ours to check.
  checkWorkingSet(
    ctx,
    'recurrentForward',
    'x',
    forwardWorkingBytes(cell, T, B, H, G, training),
    `${cell}, T=${T}, B=${B}, H=${H}${training ? ', training: per-step tensors kept for backward' : ''}`,
  );

  const out = run(ctx, (): { y: TfTensor; hN: TfTensor; cN?: TfTensor; saved?: SavedTensors } => {
    // Biases that add linearly before any nonlinearity join the input projection. Only GRU's
    // reset-after b_hn sits inside r ⊙ (W_hn h + b_hn), so that form adds b_hh at every step.
    const resetAfter = cell === 'gru' && !resetBefore;
    const stepBias = resetAfter ? p.biasHh : undefined;
    let inBias = p.biasIh;
    if (!resetAfter && p.biasHh) inBias = inBias ? tf.add(inBias, p.biasHh) : p.biasHh;
    let xp = matMul(ctx, tf.reshape(p.x, [T * B, D]), p.weightIh, false, true); // [T*B, G*H]
    if (inBias) xp = tf.add(xp, inBias);
    const xs = steps(ctx, xp, T, B); // T × [B, G*H]
    // Recurrent weights transposed once, so every step is a plain h · Wᵀ.
    const whhT = tf.transpose(resetBefore ? rows(ctx, p.weightHh, 0, 2 * H) : p.weightHh); // [H, G*H] or [H, 2H]
    const whnT = resetBefore ? tf.transpose(rows(ctx, p.weightHh, 2 * H, H)) : undefined; // [H, H]
    const masks = p.lengths ? stepMaskTensors(tf, p.lengths, T, false).keep : undefined;

    let h = p.h0;
    // An lstm called without c0 starts from a zero cell state.
    const c0 = cell === 'lstm' ? (p.c0 ?? tf.zeros([B, H])) : undefined;
    let c = c0;
    const ys: TfTensor[] = [];
    const hs: TfTensor[] = [];
    const cs: TfTensor[] = [];
    const saved: SavedStep[] = [];
    for (let t = 0; t < T; t++) {
      const hPrev = h;
      const cPrev = c;
      const r = tf.tidy(() => {
        const xt = xs[t];
        let hNew: TfTensor;
        let cNew: TfTensor | undefined;
        let keep: SavedStep | undefined;
        switch (cell) {
          case 'rnn_tanh':
          case 'rnn_relu': {
            const pre = tf.add(xt, tf.matMul(hPrev, whhT));
            hNew = cell === 'rnn_tanh' ? tf.tanh(pre) : tf.relu(pre);
            if (training) keep = { act: hNew };
            break;
          }
          case 'lstm': {
            const [pi, pf, pg, po] = columnBlocks(ctx, tf.add(xt, tf.matMul(hPrev, whhT)), 4);
            const i = tf.sigmoid(pi);
            const f = tf.sigmoid(pf);
            const g = tf.tanh(pg);
            const o = tf.sigmoid(po);
            cNew = tf.add(tf.mul(f, cPrev!), tf.mul(i, g));
            const tanhC = tf.tanh(cNew);
            hNew = tf.mul(o, tanhC);
            if (training) keep = { act: tf.concat([i, f, g, o], 1), gates: [i, f, g, o], tanhC };
            break;
          }
          case 'gru': {
            const [xr, xz, xn] = columnBlocks(ctx, xt, 3);
            let hp = tf.matMul(hPrev, whhT); // [B, 3H] (reset-after) or [B, 2H] (reset-before)
            if (stepBias) hp = tf.add(hp, stepBias);
            const [hr, hz, hn] = columnBlocks(ctx, hp, resetBefore ? 2 : 3);
            const rg = tf.sigmoid(tf.add(xr, hr));
            const zg = tf.sigmoid(tf.add(xz, hz));
            // reset-after: n = tanh(x_n + r ⊙ (W_hn h + b_hn)); reset-before: n = tanh(x_n + W_hn (r ⊙ h)).
            const aux = resetBefore ? tf.mul(rg, hPrev) : hn;
            const n = tf.tanh(tf.add(xn, resetBefore ? tf.matMul(aux, whnT!) : tf.mul(rg, aux)));
            hNew = tf.add(n, tf.mul(zg, tf.sub(hPrev, n))); // (1 − z) ⊙ n + z ⊙ h
            if (training) keep = { act: rg, z: zg, n, aux };
            break;
          }
        }
        let y = hNew;
        let hNext = hNew;
        let cNext = cNew;
        if (masks) {
          // Past a sequence's end its state holds and its output is zero.
          const m = masks[t];
          y = tf.mul(hNew, m);
          hNext = tf.add(hPrev, tf.mul(tf.sub(hNew, hPrev), m));
          if (cNew) cNext = tf.add(cPrev!, tf.mul(tf.sub(cNew, cPrev!), m));
        }
        return { y, h: hNext, ...(cNext ? { c: cNext } : {}), ...(keep ? { keep } : {}) };
      });
      ys.push(r.y);
      h = r.h;
      if (r.c) c = r.c;
      if (training) {
        saved.push(r.keep!);
        if (t < T - 1) {
          hs.push(h);
          if (c) cs.push(c);
        }
      } else {
        // Inference: done with this step's input and, unless y_t is the state itself, the old states.
        xs[t].dispose();
        if (t > 0 && masks) hPrev.dispose();
        if (t > 0) cPrev?.dispose();
      }
    }
    // Clones (no copy) so the handles handed out never share a tf.Tensor with `saved` or the inputs.
    const result = { y: tf.stack(ys), hN: tf.clone(h), ...(c ? { cN: tf.clone(c) } : {}) };
    if (!training) return result;
    const tensors: SavedTensors = {
      x: tf.clone(p.x),
      weightIh: tf.clone(p.weightIh),
      weightHh: tf.clone(p.weightHh),
      h0: tf.clone(p.h0),
      ...(c0 ? { c0: tf.clone(c0) } : {}),
      h: hs,
      c: cs,
      steps: saved,
    };
    return { ...result, saved: tensors };
  });

  const saved = out.saved
    ? new TfjsRecurrentSaved(
        ctx,
        { cell, resetBefore, T, B, D, H, G, ...(p.lengths ? { lengths: p.lengths } : {}), hasBiasIh: !!p.biasIh, hasBiasHh: !!p.biasHh },
        out.saved,
      )
    : undefined;
  return {
    y: wrap(ctx, out.y),
    hN: wrap(ctx, out.hN),
    ...(out.cN ? { cN: wrap(ctx, out.cN) } : {}),
    ...(saved ? { saved } : {}),
  };
}
