import type { RecurrentForwardArgs, RecurrentForwardResult } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfTensor } from '../tf.js';
import { TfjsRecurrentSaved, checkForwardArgs, stepMasks } from './recurrent_impl.js';
import type { SavedStep, SavedTensors } from './recurrent_impl.js';

/**
 * A whole layer-direction forward in time, written for tfjs: one matMul projects every step's
 * input (with every bias that can be folded there), then each step runs inside its own tf.tidy
 * with one recurrent matMul and the gate math; nothing is read back to JavaScript. Semantics are
 * core's composite kernel's: PyTorch gate orders (lstm i,f,g,o; gru r,z,n), and with lengths a
 * step t ≥ lengths[b] keeps b's state and outputs zeros.
 *
 * x [T, B, D] → y [T, B, H], hN [B, H] (cN [B, H] for lstm).
 */
export function recurrentForward(be: TfjsBackend, args: RecurrentForwardArgs): RecurrentForwardResult {
  const p = checkForwardArgs(be, args);
  const { cell, resetBefore, T, B, D, H, G } = p;
  const tf = be.tf;
  const training = args.training === true;

  const out = be.run((): { y: TfTensor; hN: TfTensor; cN?: TfTensor; saved?: SavedTensors } => {
    // Biases that add linearly before any nonlinearity join the input projection. Only GRU's
    // reset-after b_hn sits inside r ⊙ (W_hn h + b_hn), so that form adds b_hh at every step.
    const resetAfter = cell === 'gru' && !resetBefore;
    const stepBias = resetAfter ? p.biasHh : undefined;
    let inBias = p.biasIh;
    if (!resetAfter && p.biasHh) inBias = inBias ? tf.add(inBias, p.biasHh) : p.biasHh;
    let xp = tf.matMul(tf.reshape(p.x, [T * B, D]), p.weightIh, false, true); // [T*B, G*H]
    if (inBias) xp = tf.add(xp, inBias);
    const xs = tf.unstack(tf.reshape(xp, [T, B, G * H]));
    const [whhRZ, whhN] = resetBefore ? tf.split(p.weightHh, [2 * H, H], 0) : [p.weightHh, undefined];
    const masks = p.lengths ? stepMasks(tf, p.lengths, T, false).keep : undefined;

    let h = p.h0;
    let c = p.c0;
    const ys: TfTensor[] = [];
    const hs: TfTensor[] = [];
    const cs: TfTensor[] = [];
    const steps: SavedStep[] = [];
    for (let t = 0; t < T; t++) {
      const hPrev = h;
      const cPrev = c;
      const r = tf.tidy(() => {
        const xt = xs[t];
        let hNew: TfTensor;
        let cNew: TfTensor | undefined;
        let saved: SavedStep | undefined;
        switch (cell) {
          case 'rnn_tanh':
          case 'rnn_relu': {
            const pre = tf.add(xt, tf.matMul(hPrev, p.weightHh, false, true));
            hNew = cell === 'rnn_tanh' ? tf.tanh(pre) : tf.relu(pre);
            if (training) saved = { act: hNew };
            break;
          }
          case 'lstm': {
            const pre = tf.add(xt, tf.matMul(hPrev, p.weightHh, false, true));
            const [pi, pf, pg, po] = tf.split(pre, 4, 1);
            const i = tf.sigmoid(pi);
            const f = tf.sigmoid(pf);
            const g = tf.tanh(pg);
            const o = tf.sigmoid(po);
            cNew = tf.add(tf.mul(f, cPrev!), tf.mul(i, g));
            const tanhC = tf.tanh(cNew);
            hNew = tf.mul(o, tanhC);
            if (training) saved = { act: tf.concat([i, f, g, o], 1), tanhC };
            break;
          }
          case 'gru': {
            const [xrz, xn] = tf.split(xt, [2 * H, H], 1);
            let hp = tf.matMul(hPrev, whhRZ, false, true); // [B, 3H] (reset-after) or [B, 2H]
            if (stepBias) hp = tf.add(hp, stepBias);
            const [hrz, hn] = resetBefore ? [hp, undefined] : tf.split(hp, [2 * H, H], 1);
            const rz = tf.sigmoid(tf.add(xrz, hrz));
            const [rg, zg] = tf.split(rz, 2, 1);
            // reset-after: n = tanh(x_n + r ⊙ (W_hn h + b_hn)); reset-before: n = tanh(x_n + W_hn (r ⊙ h)).
            const aux = resetBefore ? tf.mul(rg, hPrev) : hn!;
            const n = tf.tanh(tf.add(xn, resetBefore ? tf.matMul(aux, whhN!, false, true) : tf.mul(rg, aux)));
            hNew = tf.add(n, tf.mul(zg, tf.sub(hPrev, n))); // (1 − z) ⊙ n + z ⊙ h
            if (training) saved = { act: rz, n, aux };
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
        return { y, h: hNext, ...(cNext ? { c: cNext } : {}), ...(saved ? { saved } : {}) };
      });
      ys.push(r.y);
      h = r.h;
      if (r.c) c = r.c;
      if (!training && t > 0) {
        // Inference: the previous carried states are done with (unless y_t is the state itself).
        if (masks) hPrev.dispose();
        cPrev?.dispose();
      }
      if (training) {
        steps.push(r.saved!);
        if (t < T - 1) {
          hs.push(h);
          if (c) cs.push(c);
        }
      }
    }
    // Clones (no copy) so the handles handed out never share a tf.Tensor with `saved` or the inputs.
    const result = { y: tf.stack(ys), hN: tf.clone(h), ...(c ? { cN: tf.clone(c) } : {}) };
    if (!training) return result;
    const saved: SavedTensors = {
      x: tf.clone(p.x),
      weightIh: tf.clone(p.weightIh),
      weightHh: tf.clone(p.weightHh),
      h0: tf.clone(p.h0),
      ...(p.c0 ? { c0: tf.clone(p.c0) } : {}),
      h: hs,
      c: cs,
      steps,
    };
    return { ...result, saved };
  });

  const saved = out.saved
    ? new TfjsRecurrentSaved(
        be,
        { cell, resetBefore, T, B, D, H, G, ...(p.lengths ? { lengths: p.lengths } : {}), hasBiasIh: !!p.biasIh, hasBiasHh: !!p.biasHh },
        out.saved,
      )
    : undefined;
  return {
    y: be.wrap(out.y),
    hN: be.wrap(out.hN),
    ...(out.cN ? { cN: be.wrap(out.cN) } : {}),
    ...(saved ? { saved } : {}),
  };
}
