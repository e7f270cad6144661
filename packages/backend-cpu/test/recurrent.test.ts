import type { CellKind, Tensor } from '@rnnkit/core';
import { gateCount, Rng } from '@rnnkit/core';
import type { RecurrentForwardArgs } from '@rnnkit/core/backend';
import { checkClose, compositeOnly, FUSED_TOLERANCE, randomArray } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import type { CpuBackend } from '../src/index.js';
import { ENGINES } from './engines.js';

// The fused kernels against core's composite ones at kernel level, on shapes that reach every
// GEMM path of both engines (one-row kernels, ragged strips, several packed slices). The kit's
// fused cases (kit.test.ts) check the same at layer level on small shapes.

const TOL = FUSED_TOLERANCE;

interface Variant {
  cell: CellKind;
  resetAfter: boolean;
  label: string;
}
const VARIANTS: Variant[] = [
  { cell: 'rnn_tanh', resetAfter: true, label: 'rnn_tanh' },
  { cell: 'rnn_relu', resetAfter: true, label: 'rnn_relu' },
  { cell: 'lstm', resetAfter: true, label: 'lstm' },
  { cell: 'gru', resetAfter: true, label: 'gru (reset after)' },
  { cell: 'gru', resetAfter: false, label: 'gru (reset before)' },
];
type Biases = 'both' | 'none' | 'ih' | 'hh';

interface Case {
  T: number;
  B: number;
  D: number;
  H: number;
  biases: Biases;
  lengths?: number[];
  c0: boolean;
}

function makeArgs(be: CpuBackend, v: Variant, c: Case, seed: number): RecurrentForwardArgs {
  const rng = new Rng(seed);
  const G = gateCount(v.cell);
  const up = (shape: number[], scale = 1): Tensor =>
    be.upload(
      randomArray(
        rng,
        shape.reduce((a, b) => a * b, 1),
        -scale,
        scale,
      ),
      shape,
    );
  const k = 1 / Math.sqrt(c.H);
  return {
    cell: v.cell,
    gruResetAfter: v.resetAfter,
    x: up([c.T, c.B, c.D]),
    h0: up([c.B, c.H], 0.5),
    ...(v.cell === 'lstm' && c.c0 ? { c0: up([c.B, c.H], 0.5) } : {}),
    weightIh: up([G * c.H, c.D], 2 * k),
    weightHh: up([G * c.H, c.H], 2 * k),
    ...(c.biases === 'both' || c.biases === 'ih' ? { biasIh: up([G * c.H], k) } : {}),
    ...(c.biases === 'both' || c.biases === 'hh' ? { biasHh: up([G * c.H], k) } : {}),
    ...(c.lengths ? { lengths: Int32Array.from(c.lengths) } : {}),
    training: true,
  };
}

/** Runs fused and composite forward + backward on the same inputs and compares every output. */
function compareWithComposite(be: CpuBackend, v: Variant, c: Case, upstream: { dy: boolean; dhN: boolean; dcN: boolean }, seed = 1): void {
  const ref = compositeOnly(be);
  const args = makeArgs(be, v, c, seed);
  // The composite LSTM needs c0; the fused one defaults it to zeros.
  const refArgs = v.cell === 'lstm' && !args.c0 ? { ...args, c0: be.zeros([c.B, c.H]) } : args;
  const f = be.recurrentForward(args);
  const r = ref.recurrentForward(refArgs);
  expect(f.y.shape).toEqual([c.T, c.B, c.H]);
  expect(f.hN.shape).toEqual([c.B, c.H]);
  expect(f.saved).toBeDefined();
  const read = (t: Tensor | undefined) => be.readSync(t!);
  checkClose(read(f.y), read(r.y), TOL, 'y');
  checkClose(read(f.hN), read(r.hN), TOL, 'hN');
  if (v.cell === 'lstm') checkClose(read(f.cN), read(r.cN), TOL, 'cN');
  else expect(f.cN).toBeUndefined();

  const rng = new Rng(seed + 100);
  const up = (shape: number[]) =>
    be.upload(
      randomArray(
        rng,
        shape.reduce((a, b) => a * b, 1),
      ),
      shape,
    );
  const grads = {
    ...(upstream.dy ? { dy: up([c.T, c.B, c.H]) } : {}),
    ...(upstream.dhN ? { dhN: up([c.B, c.H]) } : {}),
    ...(upstream.dcN && v.cell === 'lstm' ? { dcN: up([c.B, c.H]) } : {}),
  };
  const fb = be.recurrentBackward({ forward: args, saved: f.saved!, ...grads });
  const rb = ref.recurrentBackward({ forward: refArgs, saved: r.saved!, ...grads });
  checkClose(read(fb.dx), read(rb.dx), TOL, 'dx');
  expect(fb.dx!.shape).toEqual([c.T, c.B, c.D]);
  checkClose(read(fb.dh0), read(rb.dh0), TOL, 'dh0');
  if (v.cell === 'lstm') checkClose(read(fb.dc0), read(rb.dc0), TOL, 'dc0');
  checkClose(read(fb.dWeightIh), read(rb.dWeightIh), TOL, 'dWeightIh');
  checkClose(read(fb.dWeightHh), read(rb.dWeightHh), TOL, 'dWeightHh');
  expect(fb.dWeightHh.shape).toEqual(args.weightHh.shape);
  expect(fb.dBiasIh === undefined).toBe(args.biasIh === undefined);
  expect(fb.dBiasHh === undefined).toBe(args.biasHh === undefined);
  if (args.biasIh) checkClose(read(fb.dBiasIh), read(rb.dBiasIh), TOL, 'dBiasIh');
  if (args.biasHh) checkClose(read(fb.dBiasHh), read(rb.dBiasHh), TOL, 'dBiasHh');
}

for (const { engine, create } of ENGINES) {
  describe(`fused recurrent kernels match core composite kernels [${engine}]`, () => {
    const base = { T: 6, B: 5, D: 3, H: 7 };
    const all = { dy: true, dhN: true, dcN: true };
    for (const v of VARIANTS) {
      for (const biases of ['both', 'none'] as const) {
        for (const lengths of [undefined, [6, 2, 5, 1, 3]]) {
          for (const c0 of v.cell === 'lstm' ? [true, false] : [false]) {
            const name = `${v.label}, biases ${biases}, ${lengths ? 'lengths' : 'full length'}${v.cell === 'lstm' ? (c0 ? ', c0' : ', no c0') : ''}`;
            it(name, async () => compareWithComposite(await create(), v, { ...base, biases, c0, ...(lengths ? { lengths } : {}) }, all));
          }
        }
      }
      for (const biases of ['ih', 'hh'] as const) {
        it(`${v.label}, only bias_${biases}`, async () =>
          compareWithComposite(await create(), v, { ...base, biases, c0: true, lengths: [1, 6, 4, 6, 2] }, all));
      }
      it(`${v.label}, gradient only from y`, async () =>
        compareWithComposite(await create(), v, { ...base, biases: 'both', c0: true }, { dy: true, dhN: false, dcN: false }));
      it(`${v.label}, gradient only from the final state`, async () =>
        compareWithComposite(await create(), v, { ...base, biases: 'both', c0: true, lengths: [3, 6, 1, 2, 5] }, { dy: false, dhN: true, dcN: true }));
      it(`${v.label}, T = 1, B = 1`, async () => compareWithComposite(await create(), v, { T: 1, B: 1, D: 2, H: 3, biases: 'both', c0: true }, all));
      it(`${v.label}, wider than one GEMM block (H = 70, T*B = 96)`, async () =>
        compareWithComposite(await create(), v, { T: 12, B: 8, D: 9, H: 70, biases: 'both', c0: true, lengths: [12, 3, 7, 12, 1, 9, 12, 5] }, all));
      // B = 1 takes the one-row GEMM kernels (32 and 8 columns at a time); H = 37 leaves a ragged strip and a 1-lane tail.
      it(`${v.label}, one sequence (B = 1, H = 37, D = 41)`, async () =>
        compareWithComposite(await create(), v, { T: 9, B: 1, D: 41, H: 37, biases: 'both', c0: true }, all));
      it(`${v.label}, deeper than one packed slice (H = 260, B = 6)`, async () =>
        compareWithComposite(await create(), v, { T: 3, B: 6, D: 5, H: 260, biases: 'both', c0: true, lengths: [3, 1, 2, 3, 3, 2] }, all));
    }
  });

  describe(`fused recurrent forward [${engine}]`, () => {
    it('inference gives the training outputs and keeps nothing', async () => {
      for (const v of VARIANTS) {
        for (const T of [4, 5]) {
          const be = await create();
          const args = makeArgs(be, v, { T, B: 3, D: 2, H: 5, biases: 'both', c0: true, lengths: [T, 2, 3] }, 9);
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
      const args = makeArgs(be, v, { T: 5, B: 2, D: 3, H: 4, biases: 'both', c0: true, lengths: [5, 2] }, 4);
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
