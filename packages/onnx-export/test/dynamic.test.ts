import { hostTensor, lastStep, linear, lstm, sequential } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index.js';
import { compareAll, draws, ORT_TOLERANCE, runOrt, runRnnkit } from './helpers.js';

describe('dynamic axes', () => {
  it('one export runs at two batch sizes and sequence lengths', async () => {
    const model = sequential([lstm({ inputSize: 2, hiddenSize: 5, numLayers: 2, bidirectional: true }), lastStep(), linear({ outFeatures: 3 })], { seed: 9 });
    const bytes = await exportOnnx(model, { lengths: true, initialState: true });
    for (const [B, T, lengths] of [
      [2, 3, [3, 2]],
      [7, 11, [11, 1, 4, 9, 11, 6, 2]],
    ] as const) {
      const x = draws(B * T * 2, B * 100 + T);
      const sShape = [4, B, 5];
      const h0 = draws(4 * B * 5, 1, 0.5);
      const c0 = draws(4 * B * 5, 2, 0.5);
      const ox = await runOrt(bytes, {
        input: { float: x, shape: [B, T, 2] },
        lengths: { int32: Int32Array.from(lengths), shape: [B] },
        h0: { float: h0, shape: sShape },
        c0: { float: c0, shape: sShape },
      });
      expect(ox.output.shape).toEqual([B, 3]);
      expect(ox.h_n.shape).toEqual(sShape);
      const r = await runRnnkit(model, hostTensor(x, [B, T, 2]), { lengths, h0: hostTensor(h0, sShape), c0: hostTensor(c0, sShape) });
      expect(compareAll(r, ox)).toBeLessThanOrEqual(ORT_TOLERANCE);
    }
    model.dispose();
  });
});
