import type { ModelSpec } from '@rnnkit/core';
import { hostTensor, Model } from '@rnnkit/core';
import { caseData, conformanceCases, referenceRecurrent64 } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnxFromState } from '../src/index.js';
import type { Feed } from './helpers.js';
import { compareAll, DiffLog, maxAbsDiff, ORT_TOLERANCE, runOrt, runRnnkit } from './helpers.js';

/**
 * Every shared conformance case (5 cell variants incl. both GRU forms × 1/3 layers × uni/bi ×
 * batchFirst/time-major × lengths × initial states, plus the edge cases) is exported as a
 * one-layer model, run in onnxruntime-node and compared with rnnkit's CPU backend. The float64
 * reference is a third witness.
 */
const log = new DiffLog();
const refLog = new DiffLog();

describe('conformance cases: onnxruntime vs backend-cpu', () => {
  for (const c of conformanceCases()) {
    it(c.name, async () => {
      const d = caseData(c);
      const spec: ModelSpec = { format: 'rnnkit.model', version: 1, seed: c.seed, layers: [c.spec] };
      const state = new Map([...d.params].map(([k, v]) => [`0.${k}`, v]));
      const bytes = exportOnnxFromState(spec, state, { lengths: c.lengths !== undefined, initialState: c.initialState });

      const feeds: Record<string, Feed> = { input: { float: d.x, shape: d.xShape } };
      if (c.lengths) feeds.lengths = { int32: Int32Array.from(c.lengths), shape: [c.B] };
      if (d.h0) feeds.h0 = { float: d.h0, shape: d.stateShape };
      if (d.c0) feeds.c0 = { float: d.c0, shape: d.stateShape };
      const ox = await runOrt(bytes, feeds);

      const model = new Model(spec, state);
      const rk = await runRnnkit(model, hostTensor(d.x, d.xShape), {
        ...(c.lengths ? { lengths: c.lengths } : {}),
        ...(d.h0 ? { h0: hostTensor(d.h0, d.stateShape) } : {}),
        ...(d.c0 ? { c0: hostTensor(d.c0, d.stateShape) } : {}),
      });
      model.dispose();
      const diff = compareAll(rk, ox);
      log.add(c.name, diff);
      expect(diff).toBeLessThanOrEqual(ORT_TOLERANCE);

      const ref = referenceRecurrent64(c.spec, {
        x: Float64Array.from(d.x),
        T: c.T,
        B: c.B,
        ...(d.h0 ? { h0: Float64Array.from(d.h0) } : {}),
        ...(d.c0 ? { c0: Float64Array.from(d.c0) } : {}),
        ...(c.lengths ? { lengths: c.lengths } : {}),
        params: new Map([...d.params].map(([k, v]) => [k, Float64Array.from(v)])),
      });
      const f32 = (a: Float64Array, shape: readonly number[]) => ({ data: Float32Array.from(a), shape });
      let refDiff = Math.max(maxAbsDiff(ox.output, f32(ref.output, ox.output.shape)), maxAbsDiff(ox.h_n, f32(ref.hN, ox.h_n.shape)));
      if (ref.cN) refDiff = Math.max(refDiff, maxAbsDiff(ox.c_n, f32(ref.cN, ox.c_n.shape)));
      refLog.add(c.name, refDiff);
      expect(refDiff).toBeLessThanOrEqual(ORT_TOLERANCE);
    });
  }
  afterAll(() => {
    console.log(log.summary('conformance (vs backend-cpu)'));
    console.log(refLog.summary('conformance (vs float64 reference)'));
  });
});
