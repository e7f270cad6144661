import type { CellKind, Tensor } from '@rnnkit/core';
import { gateCount, Rng } from '@rnnkit/core';
import { randomArray } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import { transposeRows } from '../src/kernels/recurrent_impl.js';
import { ENGINES } from './engines.js';

/**
 * `batchFirst: true` on the fused kernels (core passes it for a one-layer, one-direction
 * batch-first layer): x [B, T, D] in, y [B, T, H] out, dy and dx likewise in backward. The
 * arithmetic is the time-major run's, so every result must match it bit for bit once re-laid out.
 */
const CASES: [CellKind, boolean, Int32Array | undefined][] = [
  ['lstm', true, undefined],
  ['gru', true, Int32Array.from([4, 1, 3])],
  ['gru', false, undefined],
  ['rnn_tanh', true, Int32Array.from([2, 4, 4])],
];

describe('batch-first fused kernels', () => {
  for (const e of ENGINES) {
    it(`${e.engine}: y, hN, dx, dh0 and the weight gradients equal the time-major run's, re-laid out`, async () => {
      const be = await e.create();
      const [T, B, D, H] = [4, 3, 5, 6];
      const rng = new Rng(17);
      for (const [cell, resetAfter, lengths] of CASES) {
        const G = gateCount(cell);
        const xTM = randomArray(rng, T * B * D);
        const dyTM = randomArray(rng, T * B * H);
        const w = { ih: randomArray(rng, G * H * D, -0.4, 0.4), hh: randomArray(rng, G * H * H, -0.4, 0.4), b: randomArray(rng, G * H) };
        const h0 = randomArray(rng, B * H);
        const run = (batchFirst: boolean) => {
          const args = {
            cell,
            gruResetAfter: resetAfter,
            x: be.upload(batchFirst ? transposeRows(xTM, T, B, D) : xTM, batchFirst ? [B, T, D] : [T, B, D]),
            ...(batchFirst ? { batchFirst: true } : {}),
            h0: be.upload(h0, [B, H]),
            weightIh: be.upload(w.ih, [G * H, D]),
            weightHh: be.upload(w.hh, [G * H, H]),
            biasIh: be.upload(w.b, [G * H]),
            biasHh: be.upload(w.b, [G * H]),
            ...(lengths ? { lengths } : {}),
            training: true,
          };
          const f = be.recurrentForward(args);
          const dy = be.upload(batchFirst ? transposeRows(dyTM, T, B, H) : dyTM, batchFirst ? [B, T, H] : [T, B, H]);
          const g = be.recurrentBackward({ forward: args, saved: f.saved!, dy });
          const read = (t: Tensor | undefined) => be.readSync(t!);
          const out = {
            y: read(f.y),
            yShape: f.y.shape,
            hN: read(f.hN),
            dx: read(g.dx),
            dxShape: g.dx!.shape,
            dh0: read(g.dh0),
            dWih: read(g.dWeightIh),
            dWhh: read(g.dWeightHh),
            dB: read(g.dBiasIh),
          };
          f.saved!.dispose();
          return out;
        };
        const tm = run(false);
        const bf = run(true);
        expect(bf.yShape).toEqual([B, T, H]);
        expect(bf.dxShape).toEqual([B, T, D]);
        expect(bf.y).toEqual(transposeRows(tm.y, T, B, H));
        expect(bf.dx).toEqual(transposeRows(tm.dx, T, B, D));
        for (const k of ['hN', 'dh0', 'dWih', 'dWhh', 'dB'] as const) expect(bf[k], `${cell} ${k}`).toEqual(tm[k]);
      }
      be.destroy();
    });
  }
});
