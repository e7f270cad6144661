import { compareRecurrentKernels, recurrentKernelArgs, recurrentKernelCases, RECURRENT_KERNEL_VARIANTS as VARIANTS } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';

// The fused kernels against core's composite ones at kernel level, on shapes that reach every
// GEMM path of both engines (one-row kernels, ragged strips, several packed slices). The kit's
// fused cases (kit.test.ts) check the same at layer level on small shapes.

/** Beyond the kit's standard kernel cases: shapes that reach every GEMM path of both engines. */
const CPU_SHAPES = [
  { name: 'T = 1, B = 1', shape: { T: 1, B: 1, D: 2, H: 3 } },
  { name: 'wider than one GEMM block (H = 70, T*B = 96)', shape: { T: 12, B: 8, D: 9, H: 70, lengths: [12, 3, 7, 12, 1, 9, 12, 5] } },
  // B = 1 takes the one-row GEMM kernels (32 and 8 columns at a time); H = 37 leaves a ragged strip and a 1-lane tail.
  { name: 'one sequence (B = 1, H = 37, D = 41)', shape: { T: 9, B: 1, D: 41, H: 37 } },
  { name: 'deeper than one packed slice (H = 260, B = 6)', shape: { T: 3, B: 6, D: 5, H: 260, lengths: [3, 1, 2, 3, 3, 2] } },
];

for (const { engine, create } of ENGINES) {
  describe(`fused recurrent kernels match core composite kernels [${engine}]`, () => {
    for (const c of recurrentKernelCases(CPU_SHAPES)) {
      it(c.name, async () => compareRecurrentKernels(await create(), c));
    }
  });

  describe(`fused recurrent forward [${engine}]`, () => {
    it('inference gives the training outputs and keeps nothing', async () => {
      for (const v of VARIANTS) {
        for (const T of [4, 5]) {
          const be = await create();
          const args = recurrentKernelArgs(be, v, { T, B: 3, D: 2, H: 5, biases: 'both', c0: true, lengths: [T, 2, 3] }, 9);
          const train = be.recurrentForward(args);
          const infer = be.recurrentForward({ ...args, training: false });
          expect(infer.saved).toBeUndefined();
          expect([...be.readSync(infer.y)]).toEqual([...be.readSync(train.y)]);
          expect([...be.readSync(infer.hN)]).toEqual([...be.readSync(train.hN)]);
          if (v.cell === 'lstm') expect([...be.readSync(infer.cN!)]).toEqual([...be.readSync(train.cN!)]);
        }
      }
    });

    it('zeros the output past each length and keeps the state of the last valid step', async () => {
      const be = await create();
      const v = VARIANTS[2];
      const args = recurrentKernelArgs(be, v, { T: 5, B: 2, D: 3, H: 4, biases: 'both', c0: true, lengths: [5, 2] }, 4);
      const full = be.recurrentForward({ ...args, lengths: undefined, training: false });
      const masked = be.recurrentForward({ ...args, training: false });
      const yf = be.readSync(full.y);
      const ym = be.readSync(masked.y);
      const H = 4;
      for (let t = 0; t < 5; t++) {
        for (let j = 0; j < H; j++) {
          expect(ym[(t * 2 + 0) * H + j]).toBe(yf[(t * 2 + 0) * H + j]);
          expect(ym[(t * 2 + 1) * H + j]).toBe(t < 2 ? yf[(t * 2 + 1) * H + j] : 0);
        }
      }
      const hN = be.readSync(masked.hN);
      for (let j = 0; j < H; j++) expect(hN[H + j]).toBe(yf[(1 * 2 + 1) * H + j]);
    });
  });
}
