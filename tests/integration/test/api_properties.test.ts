import { createCpuBackend } from '@rnnkit/backend-cpu';
import { gru, lstm, type Model, RnnkitError, rnn, sequential } from '@rnnkit/core';
import { FORWARD_TOLERANCE, referenceRecurrent64, scaledError } from '@rnnkit/core/testing';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * Property-based checks of the public API: random shapes, lengths, states and values. Every
 * outcome must be either a correct result (matching the float64 reference) or an RnnkitError —
 * and after an error the model's parameters and the backend's live tensors are as they were.
 */
const be = await createCpuBackend();
const D = 3;
const H = 4;
const models: Model[] = [
  sequential([lstm({ inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true })], { seed: 3 }).to(be),
  sequential([gru({ inputSize: D, hiddenSize: H, batchFirst: false })], { seed: 4 }).to(be),
  sequential([rnn({ inputSize: D, hiddenSize: H, nonlinearity: 'relu' })], { seed: 5 }).to(be),
];

const smallInt = fc.integer({ min: -2, max: 7 });
const value = fc.oneof(
  { weight: 20, arbitrary: fc.float({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);
/** Mostly valid calls ([B, T, D] with fitting lengths and states), each part sometimes broken. */
const call = fc
  .record({
    model: fc.integer({ min: 0, max: models.length - 1 }),
    B: fc.integer({ min: 1, max: 4 }),
    T: fc.integer({ min: 1, max: 6 }),
    badShape: fc.option(fc.array(smallInt, { minLength: 0, maxLength: 4 }), { nil: undefined, freq: 4 }),
    lengthsKind: fc.constantFrom('none', 'valid', 'random'),
    lengthFractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
    randomLengths: fc.array(fc.oneof(smallInt, fc.constant(2.5)), { maxLength: 5 }),
    h0Kind: fc.constantFrom('none', 'valid', 'random'),
    randomH0Shape: fc.array(smallInt, { minLength: 3, maxLength: 3 }),
    values: fc.array(value, { minLength: 1, maxLength: 8 }),
    checkFinite: fc.boolean(),
  })
  .map((c) => {
    const spec = models[c.model].spec.layers[0] as { batchFirst: boolean; numLayers: number; bidirectional: boolean };
    const shape = c.badShape ? c.badShape.map((d) => Math.max(0, d)) : spec.batchFirst ? [c.B, c.T, D] : [c.T, c.B, D];
    const lengths =
      c.lengthsKind === 'valid'
        ? c.lengthFractions.slice(0, c.B).map((f) => 1 + Math.floor(f * (c.T - 0.001)))
        : c.lengthsKind === 'random'
          ? c.randomLengths
          : undefined;
    const h0Shape =
      c.h0Kind === 'valid'
        ? [spec.numLayers * (spec.bidirectional ? 2 : 1), c.B, H]
        : c.h0Kind === 'random'
          ? c.randomH0Shape.map((d) => Math.max(0, d))
          : undefined;
    return { model: c.model, shape, lengths, h0Shape, values: c.values, checkFinite: c.checkFinite };
  });

describe('public API under random input (fast-check)', () => {
  it('gives a correct result or an RnnkitError, and a failed call changes nothing', async () => {
    let ok = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const model = models[c.model];
        const spec = model.spec.layers[0] as never as Parameters<typeof referenceRecurrent64>[0];
        const shape = c.shape;
        const n = shape.reduce((a, b) => a * b, 1);
        const data = Float32Array.from({ length: n }, (_, i) => c.values[i % c.values.length]);
        const before = await model.stateDict();
        const live = be.liveTensors();
        const h0 = c.h0Shape ? { data: new Float32Array(c.h0Shape.reduce((a, b) => a * Math.max(0, b), 1)).fill(0.1), shape: c.h0Shape } : undefined;
        try {
          const y = await model.predict({ data, shape }, { ...(c.lengths ? { lengths: c.lengths } : {}), ...(h0 ? { h0 } : {}), checkFinite: c.checkFinite });
          ok++;
          // Correct result: compare with the float64 reference.
          const params = new Map([...before].map(([k, v]) => [k.replace(/^0\./, ''), Float64Array.from(v)]));
          const [d0, d1] = shape;
          const batchFirst = (spec as { batchFirst: boolean }).batchFirst;
          const ref = referenceRecurrent64(spec, {
            x: Float64Array.from(data),
            T: batchFirst ? d1 : d0,
            B: batchFirst ? d0 : d1,
            ...(h0 ? { h0: Float64Array.from(h0.data) } : {}),
            ...(c.lengths ? { lengths: c.lengths } : {}),
            params,
          });
          const finite = data.every(Number.isFinite);
          if (finite) expect(scaledError(y.data, ref.output)).toBeLessThanOrEqual(FORWARD_TOLERANCE);
          else expect(c.checkFinite).toBe(false); // non-finite input only gets through when not asked to check
        } catch (e) {
          if (!(e instanceof RnnkitError)) throw e;
          rejected++;
          expect(e.message).toMatch(/expected/);
          expect(be.liveTensors()).toBe(live);
          expect(await model.stateDict()).toEqual(before);
        }
      }),
      { numRuns: 300, seed: 20261126 },
    );
    // Both outcomes must actually occur for the property to mean something.
    expect(ok).toBeGreaterThan(10);
    expect(rejected).toBeGreaterThan(10);
  });
});
