import { describe, expect, it } from 'vitest';
import {
  embedding,
  gru,
  initParams,
  lastStep,
  linear,
  lstm,
  Model,
  type ModelSpec,
  modelParams,
  recurrentParams,
  rnn,
  sequential,
  validateModelSpec,
} from '../src/index.js';
import { thrown } from './helpers.js';

const codeOf = (f: () => unknown) => thrown(f).code;

describe('model graph', () => {
  it('fills input sizes from the previous layer and round-trips through JSON', () => {
    const m = sequential([lstm({ inputSize: 1, hiddenSize: 8, numLayers: 2, bidirectional: true }), lastStep(), linear({ outFeatures: 3 })], { seed: 7 });
    expect(m.spec.layers[2]).toMatchObject({ type: 'linear', inFeatures: 16, outFeatures: 3 });
    const again = new Model(JSON.parse(JSON.stringify(m.spec)) as ModelSpec);
    expect(again.spec).toEqual(m.spec);
  });

  it('names parameters as torch.nn.Sequential + nn.LSTM state_dict', () => {
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true }), linear({ outFeatures: 1 })]);
    expect(m.parameterInfo().map((p) => `${p.name}:${p.shape.join('x')}`)).toEqual([
      '0.weight_ih_l0:12x2',
      '0.weight_hh_l0:12x3',
      '0.bias_ih_l0:12',
      '0.bias_hh_l0:12',
      '0.weight_ih_l0_reverse:12x2',
      '0.weight_hh_l0_reverse:12x3',
      '0.bias_ih_l0_reverse:12',
      '0.bias_hh_l0_reverse:12',
      '0.weight_ih_l1:12x6',
      '0.weight_hh_l1:12x3',
      '0.bias_ih_l1:12',
      '0.bias_hh_l1:12',
      '0.weight_ih_l1_reverse:12x6',
      '0.weight_hh_l1_reverse:12x3',
      '0.bias_ih_l1_reverse:12',
      '0.bias_hh_l1_reverse:12',
      '1.weight:1x6',
      '1.bias:1',
    ]);
  });

  it('gate counts: GRU 3H, RNN H, no biases when bias=false', () => {
    const g = sequential([gru({ inputSize: 2, hiddenSize: 5, bias: false })]).spec.layers[0];
    expect(recurrentParams(g as never).map((p) => p.shape)).toEqual([
      [15, 2],
      [15, 5],
    ]);
    const r = sequential([rnn({ inputSize: 2, hiddenSize: 5, nonlinearity: 'relu' })]).spec.layers[0];
    expect(r).toMatchObject({ cell: 'rnn_relu' });
  });

  it('initializes U(-1/sqrt(H), 1/sqrt(H)) deterministically from the seed', () => {
    const spec = sequential([lstm({ inputSize: 3, hiddenSize: 16 })], { seed: 42 }).spec;
    const a = initParams(modelParams(spec), 42);
    const b = initParams(modelParams(spec), 42);
    const c = initParams(modelParams(spec), 43);
    for (const [k, v] of a) {
      expect(b.get(k)).toEqual(v);
      expect(c.get(k)).not.toEqual(v);
      for (const x of v) expect(Math.abs(x)).toBeLessThanOrEqual(0.25);
    }
  });

  it('rejects invalid graphs with INVALID_SPEC / UNKNOWN_CELL naming the field', () => {
    const base = sequential([lstm({ inputSize: 1, hiddenSize: 4 }), linear({ outFeatures: 1 })]).spec;
    const bad = (patch: (s: ModelSpec) => void) => {
      const s = structuredClone(base);
      patch(s);
      return () => validateModelSpec(s);
    };
    expect(codeOf(bad((s) => ((s.layers[0] as { cell: string }).cell = 'transformer')))).toBe('UNKNOWN_CELL');
    expect(codeOf(bad((s) => ((s.layers[0] as { hiddenSize: number }).hiddenSize = 0)))).toBe('INVALID_SPEC');
    expect(codeOf(bad((s) => ((s.layers[0] as { dropout: number }).dropout = 1)))).toBe('INVALID_SPEC');
    expect(codeOf(bad((s) => ((s.layers[1] as { inFeatures: number }).inFeatures = 5)))).toBe('INVALID_SPEC');
    expect(codeOf(bad((s) => (s.layers = [])))).toBe('INVALID_SPEC');
    try {
      bad((s) => ((s.layers[1] as { inFeatures: number }).inFeatures = 5))();
    } catch (e) {
      expect((e as Error).message).toBe("spec.layers[1].inFeatures: expected 4 (the previous layer's output size), got 5");
    }
  });

  it('direction "reverse": recorded only when reverse, plain parameter names, validated', () => {
    const fwd = sequential([lstm({ inputSize: 2, hiddenSize: 3, direction: 'forward' })]).spec;
    expect('direction' in fwd.layers[0]).toBe(false); // a forward layer's JSON is what it was before the field
    const rev = sequential([gru({ inputSize: 2, hiddenSize: 3, numLayers: 2, direction: 'reverse' }), linear({ outFeatures: 1 })]);
    expect(rev.spec.layers[0]).toMatchObject({ direction: 'reverse', bidirectional: false });
    expect(rev.spec.layers[1]).toMatchObject({ inFeatures: 3 }); // one direction: H features
    expect(rev.parameterInfo().map((p) => p.name)).toEqual([
      '0.weight_ih_l0',
      '0.weight_hh_l0',
      '0.bias_ih_l0',
      '0.bias_hh_l0',
      '0.weight_ih_l1',
      '0.weight_hh_l1',
      '0.bias_ih_l1',
      '0.bias_hh_l1',
      '1.weight',
      '1.bias',
    ]);
    expect(new Model(JSON.parse(JSON.stringify(rev.spec)) as ModelSpec).spec).toEqual(rev.spec);
    expect(codeOf(() => sequential([lstm({ inputSize: 1, hiddenSize: 2, bidirectional: true, direction: 'reverse' })]))).toBe('INVALID_SPEC');
    expect(codeOf(() => sequential([rnn({ inputSize: 1, hiddenSize: 2, direction: 'backward' as never })]))).toBe('INVALID_SPEC');
    try {
      sequential([rnn({ inputSize: 1, hiddenSize: 2, direction: 'backward' as never })]);
    } catch (e) {
      expect((e as Error).message).toBe('spec.layers[0].direction: expected "forward" or "reverse" (or absent: forward), got "backward"');
    }
  });

  it('recurrent layers of one model share batchFirst', () => {
    expect(codeOf(() => sequential([lstm({ inputSize: 1, hiddenSize: 2 }), gru({ hiddenSize: 2, batchFirst: false })]))).toBe('INVALID_SPEC');
  });

  it('embedding must come first; select must follow a recurrent layer', () => {
    expect(codeOf(() => sequential([lstm({ inputSize: 1, hiddenSize: 2 }), embedding({ numEmbeddings: 3, embeddingDim: 2 })]))).toBe('INVALID_SPEC');
    expect(codeOf(() => sequential([linear({ inFeatures: 2, outFeatures: 2 }), lastStep()]))).toBe('INVALID_SPEC');
  });

  it('rejects a state dict with a missing, extra or mis-sized entry and keeps the old parameters', async () => {
    const m = sequential([rnn({ inputSize: 1, hiddenSize: 2 })], { seed: 1 });
    const good = await m.stateDict();
    const missing = new Map(good);
    missing.delete('0.weight_hh_l0');
    expect(codeOf(() => m.loadStateDict(missing))).toBe('INVALID_ARGUMENT');
    const wrong = new Map(good);
    wrong.set('0.weight_hh_l0', new Float32Array(3));
    expect(codeOf(() => m.loadStateDict(wrong))).toBe('SHAPE_MISMATCH');
    expect(await m.stateDict()).toEqual(good);
  });
});
