import { describe, expect, it } from 'vitest';
import type { HostTensor } from '../src/index.js';
import { gru, lstm, rnn, sequential } from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';
import { Rng } from '../src/util/rng.js';

/**
 * What a reverse layer is, from the outside: the forward layer with the same (plainly named)
 * weights run on each sequence reversed within its own length, its output reversed back the same
 * way — PyTorch's recipe for a reverse-only layer (an nn.LSTM on flipped sequences) — with
 * padding steps left at zero and the final state the one after step 0. A stack of reverse
 * layers is the flipped forward stack: each layer reads the one below reversed.
 */
describe('reverse layer = forward layer on length-reversed sequences', () => {
  const [B, T, D, H] = [3, 6, 2, 4];
  const lengths = [6, 2, 4];
  const rng = new Rng(3);
  const data = Float32Array.from({ length: B * T * D }, () => rng.normal());
  /** Each sequence's first len steps reversed; padding rows stay where they are. */
  const flip = (x: Float32Array, F: number) => {
    const out = x.slice();
    for (let b = 0; b < B; b++)
      for (let t = 0; t < lengths[b]; t++) out.set(x.subarray((b * T + t) * F, (b * T + t + 1) * F), (b * T + lengths[b] - 1 - t) * F);
    return out;
  };
  for (const [name, make] of [
    ['rnn', (direction?: 'reverse') => rnn({ inputSize: D, hiddenSize: H, numLayers: 2, ...(direction ? { direction } : {}) })],
    ['lstm', (direction?: 'reverse') => lstm({ inputSize: D, hiddenSize: H, ...(direction ? { direction } : {}) })],
    ['gru', (direction?: 'reverse') => gru({ inputSize: D, hiddenSize: H, ...(direction ? { direction } : {}) })],
  ] as const) {
    it(name, async () => {
      const be = createReferenceBackend();
      const rev = sequential([make('reverse')], { seed: 4 }).to(be);
      const fwd = sequential([make()], { seed: 4 }).to(be);
      const weights = await rev.stateDict();
      expect([...weights.keys()].some((k) => k.includes('reverse'))).toBe(false);
      fwd.loadStateDict(weights);
      const x: HostTensor = { data, shape: [B, T, D] };
      const a = rev.forward(x, { lengths });
      const b = fwd.forward({ data: flip(data, D), shape: [B, T, D] }, { lengths });
      const [ya, yb] = [await be.read(a.output), await be.read(b.output)];
      // A stack of reverse layers is the flipped forward stack too: flip(F1(flip(flip(F0(flip x))))).
      const want = flip(yb, H);
      for (let i = 0; i < want.length; i++) expect(ya[i]).toBeCloseTo(want[i], 6);
      const [ha, hb] = [await be.read(a.states[0].hN), await be.read(b.states[0].hN)];
      for (let i = 0; i < hb.length; i++) expect(ha[i]).toBeCloseTo(hb[i], 6);
      for (let bi = 0; bi < B; bi++) for (let t = lengths[bi]; t < T; t++) for (let j = 0; j < H; j++) expect(Math.abs(ya[(bi * T + t) * H + j])).toBe(0); // zero (either sign)
      a.dispose();
      b.dispose();
      rev.dispose();
      fwd.dispose();
    });
  }
});
