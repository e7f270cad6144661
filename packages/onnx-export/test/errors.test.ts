import type { ModelSpec } from '@rnnkit/core';
import { gru, linear, lstm, modelParams, RnnkitError, sequential, sizeOf } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { exportOnnx, exportOnnxFromState } from '../src/index.js';

const spec = (): ModelSpec => sequential([lstm({ inputSize: 2, hiddenSize: 3 }), linear({ outFeatures: 1 })]).spec;
const stateFor = (s: ModelSpec) => new Map(modelParams(s).map((p) => [p.name, new Float32Array(sizeOf(p.shape))]));

function thrown(f: () => unknown): RnnkitError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RnnkitError);
    return e as RnnkitError;
  }
  throw new Error('expected a throw');
}

describe('what cannot be exported says so', () => {
  it('an opset outside 14..21 is UNSUPPORTED', () => {
    const e = thrown(() => exportOnnxFromState(spec(), stateFor(spec()), { opset: 13 }));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.argument).toBe('options.opset');
    expect(e.message).toMatch(/14\.\.21.*got 13/);
  });

  it('a model format version other than 1 is UNSUPPORTED', () => {
    const s = { ...spec(), version: 2 } as unknown as ModelSpec;
    const e = thrown(() => exportOnnxFromState(s, stateFor(spec())));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/spec\.version: model format version 2/);
  });

  it('a layer kind the exporter does not know is UNSUPPORTED, named', () => {
    const s = spec();
    (s.layers as unknown[]).push({ type: 'attention', heads: 2 });
    const e = thrown(() => exportOnnxFromState(s, stateFor(spec())));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.argument).toBe('spec.layers[2].type');
    expect(e.message).toMatch(/layer type "attention" cannot be exported to ONNX/);
  });

  it('recurrent layers that mix batchFirst are rejected (the core graph forbids them)', () => {
    const s = sequential([lstm({ inputSize: 2, hiddenSize: 3 }), gru({ hiddenSize: 3 })]).spec;
    const state = stateFor(s);
    (s.layers[1] as { batchFirst: boolean }).batchFirst = false;
    const e = thrown(() => exportOnnxFromState(s, state));
    expect(e.code).toBe('INVALID_SPEC');
    expect(e.argument).toBe('spec.layers[1].batchFirst');
  });

  it('an invalid spec is INVALID_SPEC', () => {
    const s = spec();
    (s.layers[0] as { hiddenSize: number }).hiddenSize = 0;
    expect(thrown(() => exportOnnxFromState(s, new Map())).code).toBe('INVALID_SPEC');
  });

  it('weights that do not match the spec are rejected by name', () => {
    const s = spec();
    const missing = stateFor(s);
    missing.delete('0.bias_hh_l0');
    expect(thrown(() => exportOnnxFromState(s, missing)).argument).toBe('stateDict.0.bias_hh_l0');
    const short = stateFor(s);
    short.set('1.weight', new Float32Array(2));
    const e = thrown(() => exportOnnxFromState(s, short));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/1\.weight: expected a Float32Array of 3 values \(shape \[1, 3\]\)/);
    const extra = stateFor(s);
    extra.set('0.weight_ih_l1', new Float32Array(1));
    expect(thrown(() => exportOnnxFromState(s, extra)).code).toBe('INVALID_ARGUMENT');
    const f64 = stateFor(s) as Map<string, unknown>;
    f64.set('1.bias', new Float64Array(1));
    expect(thrown(() => exportOnnxFromState(s, f64 as Map<string, Float32Array>)).code).toBe('SHAPE_MISMATCH');
  });

  it('options are checked', () => {
    expect(thrown(() => exportOnnxFromState(spec(), stateFor(spec()), { lenghts: true } as never)).argument).toBe('options.lenghts');
    expect(thrown(() => exportOnnxFromState(spec(), stateFor(spec()), { opset: 17.5 })).code).toBe('INVALID_ARGUMENT');
    const plain = sequential([linear({ inFeatures: 2, outFeatures: 1 })]).spec;
    expect(thrown(() => exportOnnxFromState(plain, stateFor(plain), { lengths: true })).argument).toBe('options.lengths');
  });

  it('exportOnnx rejects before reading weights', async () => {
    const model = sequential([lstm({ inputSize: 2, hiddenSize: 3 })]);
    await expect(exportOnnx(model, { opset: 99 })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
