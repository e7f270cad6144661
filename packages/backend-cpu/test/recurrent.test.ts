import { Rng, gateCount, initParams, recurrentParams } from '@rnnkit/core';
import type { Backend, CellKind, RecurrentSpec, Tensor } from '@rnnkit/core';
import { backpropRecurrent, compositeRecurrentBackward, compositeRecurrentForward, disposeRecurrentCache, runRecurrent } from '@rnnkit/core/backend';
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '@rnnkit/core/backend';
import { describe, expect, it } from 'vitest';
import type { CpuBackend } from '../src/index.js';
import { ENGINES } from './engines.js';
import { expectClose, expectError, randomArray } from './helpers.js';

const TOL = 1e-5;

/** The reference run: core's composite kernels on the same backend (its fused kernels hidden). */
function referenceView(be: CpuBackend): Backend {
  const ref: Backend = Object.create(be, {
    recurrentBatchFirst: { value: false },
    recurrentForward: { value: (a: RecurrentForwardArgs) => compositeRecurrentForward(ref, a) },
    recurrentBackward: { value: (a: RecurrentBackwardArgs) => compositeRecurrentBackward(ref, a) },
  });
  return ref;
}

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
  const up = (shape: number[], scale = 1): Tensor => be.upload(randomArray(rng, shape.reduce((a, b) => a * b, 1), -scale, scale), shape);
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
  const ref = referenceView(be);
  const args = makeArgs(be, v, c, seed);
  // The composite LSTM needs c0; the fused one defaults it to zeros.
  const refArgs = v.cell === 'lstm' && !args.c0 ? { ...args, c0: be.zeros([c.B, c.H]) } : args;
  const f = be.recurrentForward(args);
  const r = compositeRecurrentForward(ref, refArgs);
  expect(f.y.shape).toEqual([c.T, c.B, c.H]);
  expect(f.hN.shape).toEqual([c.B, c.H]);
  expect(f.saved).toBeDefined();
  const read = (t: Tensor | undefined) => be.readSync(t!);
  expectClose(read(f.y), read(r.y), TOL, 'y');
  expectClose(read(f.hN), read(r.hN), TOL, 'hN');
  if (v.cell === 'lstm') expectClose(read(f.cN), read(r.cN), TOL, 'cN');
  else expect(f.cN).toBeUndefined();

  const rng = new Rng(seed + 100);
  const up = (shape: number[]) => be.upload(randomArray(rng, shape.reduce((a, b) => a * b, 1)), shape);
  const grads = {
    ...(upstream.dy ? { dy: up([c.T, c.B, c.H]) } : {}),
    ...(upstream.dhN ? { dhN: up([c.B, c.H]) } : {}),
    ...(upstream.dcN && v.cell === 'lstm' ? { dcN: up([c.B, c.H]) } : {}),
  };
  const fb = be.recurrentBackward({ forward: args, saved: f.saved!, ...grads });
  const rb = compositeRecurrentBackward(ref, { forward: refArgs, saved: r.saved!, ...grads });
  expectClose(read(fb.dx), read(rb.dx), TOL, 'dx');
  expect(fb.dx!.shape).toEqual([c.T, c.B, c.D]);
  expectClose(read(fb.dh0), read(rb.dh0), TOL, 'dh0');
  if (v.cell === 'lstm') expectClose(read(fb.dc0), read(rb.dc0), TOL, 'dc0');
  expectClose(read(fb.dWeightIh), read(rb.dWeightIh), TOL, 'dWeightIh');
  expectClose(read(fb.dWeightHh), read(rb.dWeightHh), TOL, 'dWeightHh');
  expect(fb.dWeightHh.shape).toEqual(args.weightHh.shape);
  expect(fb.dBiasIh === undefined).toBe(args.biasIh === undefined);
  expect(fb.dBiasHh === undefined).toBe(args.biasHh === undefined);
  if (args.biasIh) expectClose(read(fb.dBiasIh), read(rb.dBiasIh), TOL, 'dBiasIh');
  if (args.biasHh) expectClose(read(fb.dBiasHh), read(rb.dBiasHh), TOL, 'dBiasHh');
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
        it(`${v.label}, only bias_${biases}`, async () => compareWithComposite(await create(), v, { ...base, biases, c0: true, lengths: [1, 6, 4, 6, 2] }, all));
      }
      it(`${v.label}, gradient only from y`, async () => compareWithComposite(await create(), v, { ...base, biases: 'both', c0: true }, { dy: true, dhN: false, dcN: false }));
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

    it('leaves inputs untouched and releases everything it hands out', async () => {
      for (const v of VARIANTS) {
        const be = await create();
        const args = makeArgs(be, v, { T: 4, B: 3, D: 2, H: 5, biases: 'both', c0: true, lengths: [4, 1, 3] }, 5);
        const inputs = [args.x, args.h0, args.c0, args.weightIh, args.weightHh, args.biasIh, args.biasHh].filter((t): t is Tensor => !!t);
        const before = inputs.map((t) => be.readSync(t));
        const live = be.liveTensors();
        const f = be.recurrentForward(args);
        const dy = be.fill([4, 3, 5], 0.5);
        const g = be.recurrentBackward({ forward: args, saved: f.saved!, dy });
        inputs.forEach((t, i) => expect(be.readSync(t)).toEqual(before[i]));
        f.saved!.dispose();
        f.saved!.dispose(); // idempotent
        for (const t of [f.y, f.hN, f.cN, dy, ...Object.values(g)]) if (t) be.dispose(t);
        expect(be.liveTensors()).toBe(live);
      }
    });

    it('checks argument shapes, naming the argument', async () => {
      const be = await create();
      const v = VARIANTS[2];
      const args = makeArgs(be, v, { T: 4, B: 3, D: 2, H: 5, biases: 'both', c0: true }, 6);
      const op = 'recurrentForward';
      expectError(() => be.recurrentForward({ ...args, weightHh: be.zeros([20, 4]) }), 'SHAPE_MISMATCH', op, 'weightHh', '[20, 5]', '[20, 4]');
      expectError(() => be.recurrentForward({ ...args, weightIh: be.zeros([20, 3]) }), 'SHAPE_MISMATCH', 'weightIh', '[20, 2]', '[20, 3]');
      expectError(() => be.recurrentForward({ ...args, x: be.zeros([4, 3]) }), 'SHAPE_MISMATCH', 'x', 'rank 3', '[4, 3]');
      expectError(() => be.recurrentForward({ ...args, h0: be.zeros([2, 5]) }), 'SHAPE_MISMATCH', 'h0', '[3, 5]', '[2, 5]');
      expectError(() => be.recurrentForward({ ...args, c0: be.zeros([3, 4]) }), 'SHAPE_MISMATCH', 'c0', '[3, 5]');
      expectError(() => be.recurrentForward({ ...args, biasHh: be.zeros([5]) }), 'SHAPE_MISMATCH', 'biasHh', '[20]', '[5]');
      expectError(() => be.recurrentForward({ ...args, lengths: Int32Array.of(4, 5, 1) }), 'INVALID_LENGTHS', 'lengths[1]', '[0, 4]', '5');
      expectError(() => be.recurrentForward({ ...args, lengths: Int32Array.of(4, 1) }), 'INVALID_LENGTHS', 'lengths', '3 lengths');
      expectError(() => be.recurrentForward({ ...args, cell: 'elman' as CellKind }), 'UNKNOWN_CELL', 'cell');
    });
  });

  describe(`fused recurrent backward [${engine}]`, () => {
    it('checks upstream shapes and the saved value', async () => {
      const be = await create();
      const v = VARIANTS[3];
      const args = makeArgs(be, v, { T: 4, B: 3, D: 2, H: 5, biases: 'both', c0: false }, 8);
      const f = be.recurrentForward(args);
      expectError(() => be.recurrentBackward({ forward: args, saved: f.saved!, dy: be.zeros([4, 3, 4]) }), 'SHAPE_MISMATCH', 'recurrentBackward', 'dy', '[4, 3, 5]', '[4, 3, 4]');
      expectError(() => be.recurrentBackward({ forward: args, saved: f.saved!, dhN: be.zeros([5, 3]) }), 'SHAPE_MISMATCH', 'dhN', '[3, 5]');
      expectError(() => be.recurrentBackward({ forward: { ...args, x: be.zeros([5, 3, 2]) }, saved: f.saved! }), 'INVALID_ARGUMENT', 'saved', 'T=4', 'T=5');
      f.saved!.dispose();
      expectError(() => be.recurrentBackward({ forward: args, saved: f.saved!, dhN: be.zeros([3, 5]) }), 'DISPOSED', 'saved');
    });

    it('hands a composite saved value to the composite backward', async () => {
      const be = await create();
      const args = makeArgs(be, VARIANTS[2], { T: 3, B: 2, D: 2, H: 3, biases: 'both', c0: true }, 10);
      const r = compositeRecurrentForward(be, args);
      const f = be.recurrentForward(args);
      const dhN = be.fill([2, 3], 1);
      const viaComposite = be.recurrentBackward({ forward: args, saved: r.saved!, dhN });
      const fused = be.recurrentBackward({ forward: args, saved: f.saved!, dhN });
      expectClose(be.readSync(viaComposite.dWeightHh), be.readSync(fused.dWeightHh), TOL, 'dWeightHh');
    });
  });

  describe(`through core runRecurrent / backpropRecurrent [${engine}]`, () => {
    const layerSpec = (cell: CellKind, resetAfter: boolean): RecurrentSpec => ({
      type: 'recurrent',
      cell,
      inputSize: 3,
      hiddenSize: 6,
      numLayers: 2,
      bidirectional: true,
      dropout: 0,
      batchFirst: true,
      bias: true,
      gruResetAfter: resetAfter,
    });
    for (const v of VARIANTS) {
      it(`${v.label}: 2 layers, bidirectional, batch-first, lengths — fused equals composite`, async () => {
        const be = await create();
        const spec = layerSpec(v.cell, v.resetAfter);
        const params = new Map<string, Tensor>();
        for (const [name, data] of initParams(recurrentParams(spec), 42)) {
          const info = recurrentParams(spec).find((p) => p.name === name)!;
          params.set(name, be.upload(data, info.shape));
        }
        const B = 4, T = 5;
        const rng = new Rng(2);
        const x = be.upload(randomArray(rng, B * T * 3), [B, T, 3]);
        const lengths = Int32Array.of(5, 3, 1, 4);
        const dOut = be.upload(randomArray(rng, B * T * 12), [B, T, 12]);
        const dhN = be.upload(randomArray(rng, 4 * B * 6), [4, B, 6]);
        const run = (b: Backend) => {
          const out = runRecurrent(b, spec, params, x, { lengths, training: true });
          const g = backpropRecurrent(b, spec, out.cache!, { dOutput: dOut, dhN });
          return { out, g };
        };
        const fused = run(be);
        const ref = run(referenceView(be));
        expectClose(be.readSync(fused.out.output), be.readSync(ref.out.output), TOL, 'output');
        expectClose(be.readSync(fused.out.hN), be.readSync(ref.out.hN), TOL, 'hN');
        expectClose(be.readSync(fused.g.dx!), be.readSync(ref.g.dx!), TOL, 'dx');
        expectClose(be.readSync(fused.g.dh0), be.readSync(ref.g.dh0), TOL, 'dh0');
        for (const [name, t] of fused.g.grads) expectClose(be.readSync(t), be.readSync(ref.g.grads.get(name)!), TOL, name);
        disposeRecurrentCache(fused.out.cache!);
      });
    }
  });
}
