import { describe, expect, it } from 'vitest';
import type { Model } from '../src/index.js';
import {
  adam,
  fit,
  gru,
  lastStep,
  linear,
  loadModel,
  loadWeights,
  lstm,
  parseSafetensors,
  Rng,
  rnn,
  safetensorsToInt32,
  saveWeights,
  sequential,
  serializeSafetensors,
  sgd,
} from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';
import { rejected, thrown } from './helpers.js';

/**
 * What a PyTorch user expects (issue #15, item 6): bare `nn.LSTM` names both ways, strict and
 * non-strict loading with `{ missing, unexpected }`, int64 lengths, final states in one call,
 * and dtype errors that say what to pass.
 */
const randn = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const onRef = (m: Model) => m.to(createReferenceBackend());

describe('bare nn.LSTM names through loadStateDict and stateDict', () => {
  it('loadStateDict takes a plain nn.LSTM state_dict (bare names) into a one-recurrent-layer model', async () => {
    const src = sequential([lstm({ inputSize: 3, hiddenSize: 4 }), linear({ outFeatures: 2 })], { seed: 1 });
    const dst = sequential([lstm({ inputSize: 3, hiddenSize: 4 }), linear({ outFeatures: 2 })], { seed: 2 });
    const bare = await src.stateDict({ names: 'bare' });
    expect([...bare.keys()]).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', '1.weight', '1.bias']);
    expect(dst.loadStateDict(bare)).toEqual({ missing: [], unexpected: [] });
    const a = await src.stateDict();
    const b = await dst.stateDict();
    for (const [k, v] of a) expect(bits(b.get(k)!)).toEqual(bits(v));
  });

  it('works on a backend too, and only the loaded tensors are replaced (no leak)', async () => {
    const be = createReferenceBackend();
    const m = sequential([gru({ inputSize: 2, hiddenSize: 3 }), linear({ outFeatures: 1 })], { seed: 3 }).to(be);
    const before = await m.stateDict();
    const live = be.liveTensors();
    const bare = new Map([
      ['weight_ih_l0', new Float32Array(18).fill(0.5)],
      ['junk', new Float32Array(1)],
    ]);
    const r = m.loadStateDict(bare, { strict: false });
    expect(r).toEqual({ missing: ['0.weight_hh_l0', '0.bias_ih_l0', '0.bias_hh_l0', '1.weight', '1.bias'], unexpected: ['junk'] });
    expect(be.liveTensors()).toBe(live);
    const after = await m.stateDict();
    expect(Array.from(after.get('0.weight_ih_l0')!)).toEqual(new Array(18).fill(0.5));
    expect(bits(after.get('1.weight')!)).toEqual(bits(before.get('1.weight')!));
  });

  it('strict (the default) refuses, listing every missing and unexpected name, and changes nothing', async () => {
    const m = sequential([lstm({ inputSize: 3, hiddenSize: 4 })], { seed: 4 });
    const before = await m.stateDict();
    const e = thrown(() =>
      m.loadStateDict(
        new Map([
          ['weight_ih_l0', new Float32Array(48)],
          ['extra.weight', new Float32Array(1)],
        ]),
      ),
    );
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/unexpected parameter "extra.weight"/);
    expect(e.message).toMatch(/missing parameters "0.weight_hh_l0" of shape \[16, 4\], "0.bias_ih_l0" of shape \[16\], "0.bias_hh_l0"/);
    expect(e.message).toMatch(/strict: false/);
    const after = await m.stateDict();
    for (const [k, v] of before) expect(bits(after.get(k)!)).toEqual(bits(v));
  });

  it('prefixes map a module’s attribute names (self.rnn, self.fc)', async () => {
    const src = sequential([rnn({ inputSize: 2, hiddenSize: 3 }), linear({ outFeatures: 1 })], { seed: 5 });
    const state = await src.stateDict();
    const renamed = new Map([...state].map(([k, v]) => [k.replace(/^0\./, 'rnn.').replace(/^1\./, 'fc.'), v]));
    const dst = sequential([rnn({ inputSize: 2, hiddenSize: 3 }), linear({ outFeatures: 1 })], { seed: 6 });
    expect(dst.loadStateDict(renamed, { prefixes: { 'rnn.': '0.', 'fc.': '1.' } })).toEqual({ missing: [], unexpected: [] });
    expect(bits((await dst.stateDict()).get('1.weight')!)).toEqual(bits(state.get('1.weight')!));
  });

  it('names: "bare" needs exactly one recurrent layer', async () => {
    const two = sequential([lstm({ inputSize: 2, hiddenSize: 3 }), gru({ hiddenSize: 3 })]);
    expect((await rejected(() => two.stateDict({ names: 'bare' }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejected(() => two.stateDict({ names: 'torch' as never }))).argument).toBe('names');
  });

  it('saveWeights({ names: "bare" }) writes the names a plain nn.LSTM loads; loadWeights reads them back', async () => {
    const m = sequential([lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2 })], { seed: 7 });
    const file = parseSafetensors(await saveWeights(m, { names: 'bare' }));
    expect([...file.tensors.keys()].sort()).toEqual(
      ['bias_hh_l0', 'bias_hh_l1', 'bias_ih_l0', 'bias_ih_l1', 'weight_hh_l0', 'weight_hh_l1', 'weight_ih_l0', 'weight_ih_l1'].sort(),
    );
    expect(file.tensors.get('weight_ih_l1')!.shape).toEqual([16, 4]);
    const back = loadModel(m.spec, await saveWeights(m, { names: 'bare' }));
    const a = await m.stateDict();
    const b = await back.stateDict();
    for (const [k, v] of a) expect(bits(b.get(k)!)).toEqual(bits(v));
  });
});

describe('loadWeights { strict: false }', () => {
  it('loads what matches and returns { missing, unexpected } as torch’s load_state_dict does', async () => {
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3 }), lastStep(), linear({ outFeatures: 2 })], { seed: 8 });
    const before = await m.stateDict();
    const recurrentOnly = sequential([lstm({ inputSize: 2, hiddenSize: 3 })], { seed: 9 });
    const file = await saveWeights(recurrentOnly, { names: 'bare', metadata: {} });
    // The file also holds an optimizer-ish tensor a checkpoint may carry.
    const parsed = parseSafetensors(file);
    const tensors: Record<string, { dtype?: 'F32'; shape: number[]; data: Uint8Array | Float32Array }> = {};
    for (const [k, t] of parsed.tensors) tensors[k] = { dtype: 'F32', shape: t.shape, data: t.data };
    tensors.step = { shape: [1], data: new Float32Array([3]) };
    const extra = serializeSafetensors(tensors);
    const strictErr = thrown(() => loadWeights(m, extra));
    expect(strictErr.code).toBe('INVALID_FILE');
    expect(strictErr.message).toMatch(/unexpected tensor "step"/);
    expect(strictErr.message).toMatch(/missing tensors "2.weight" of shape \[2, 3\], "2.bias" of shape \[2\]/);
    const r = loadWeights(m, extra, { strict: false });
    expect(r).toEqual({ missing: ['2.weight', '2.bias'], unexpected: ['step'] });
    const after = await m.stateDict();
    const rec = await recurrentOnly.stateDict();
    expect(bits(after.get('0.weight_hh_l0')!)).toEqual(bits(rec.get('0.weight_hh_l0')!));
    expect(bits(after.get('2.weight')!)).toEqual(bits(before.get('2.weight')!));
  });

  it('a wrong shape is an error even when not strict; loadModel refuses strict: false', async () => {
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3 })]);
    const bad = serializeSafetensors({ weight_ih_l0: { shape: [12, 3], data: new Float32Array(36) } });
    expect(thrown(() => loadWeights(m, bad, { strict: false })).code).toBe('INVALID_FILE');
    const good = await saveWeights(m);
    expect(thrown(() => loadModel(m.spec, good, { strict: false })).argument).toBe('strict');
    expect(thrown(() => loadWeights(m, good, { strict: 'no' as never })).argument).toBe('strict');
  });
});

describe('lengths as Int32Array, number[] or BigInt64Array', () => {
  const model = () => onRef(sequential([gru({ inputSize: 2, hiddenSize: 3 })], { seed: 10 }));
  const x = { data: randn(3 * 4 * 2, 11), shape: [3, 4, 2] };

  it('the three forms give the same output', async () => {
    const m = model();
    const a = await m.predict(x, { lengths: Int32Array.from([4, 2, 1]) });
    const b = await m.predict(x, { lengths: [4, 2, 1] });
    const c = await m.predict(x, { lengths: BigInt64Array.from([4n, 2n, 1n]) });
    expect(bits(b.data)).toEqual(bits(a.data));
    expect(bits(c.data)).toEqual(bits(a.data));
  });

  it('a bigint out of range is refused, printed as a bigint (huge values never wrap)', async () => {
    const m = model();
    const e = await rejected(() => m.predict(x, { lengths: BigInt64Array.from([4n, 2n, 2n ** 32n + 1n]) }));
    expect(e.code).toBe('INVALID_LENGTHS');
    expect(e.argument).toBe('lengths[2]');
    expect(e.message).toBe('lengths[2]: expected an integer in 1..4 (the sequence length), got 4294967297n (a BigInt)');
    const neg = await rejected(() => m.predict(x, { lengths: BigInt64Array.from([4n, -1n, 1n]) }));
    expect(neg.message).toMatch(/got -1n/);
  });

  it('fit takes BigInt64Array lengths (PyTorch’s int64) and trains as with Int32Array', async () => {
    const data = (lengths: Int32Array | BigInt64Array) => ({ x, y: { data: randn(3 * 4 * 3, 12), shape: [3, 4, 3] }, lengths });
    const run = async (lengths: Int32Array | BigInt64Array) => {
      const m = model();
      const h = await fit(m, data(lengths), { loss: 'mse', optimizer: sgd({ lr: 0.1 }), epochs: 2, batchSize: 2, shuffle: false });
      return h.epochs.map((e) => e.loss);
    };
    expect(await run(BigInt64Array.from([4n, 2n, 1n]))).toEqual(await run(Int32Array.from([4, 2, 1])));
    const m = model();
    const e = await rejected(() => fit(m, data(BigInt64Array.from([4n, 5n, 1n])), { loss: 'mse', optimizer: sgd() }));
    expect(e.code).toBe('INVALID_LENGTHS');
    expect(e.message).toMatch(/data.lengths\[1\]: expected an integer in 1..4 .*got 5n \(a BigInt\)/);
  });

  it('I64 safetensors tensors read as Int32Array, checked to fit int32', () => {
    const file = parseSafetensors(
      serializeSafetensors({
        lengths: { shape: [3], data: BigInt64Array.from([4n, 2n, 1n]) },
        huge: { shape: [1], data: BigInt64Array.from([2n ** 40n]) },
        w: { shape: [1], data: new Float32Array(1) },
      }),
    );
    expect(Array.from(safetensorsToInt32(file.tensors.get('lengths')!, 'lengths'))).toEqual([4, 2, 1]);
    const e = thrown(() => safetensorsToInt32(file.tensors.get('huge')!, 'huge'));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/got 1099511627776n/);
    expect(thrown(() => safetensorsToInt32(file.tensors.get('w')!, 'w')).message).toMatch(/expected an integer dtype/);
  });
});

describe('predict(x, { states: true }): output and final states in one call', () => {
  it('matches forward’s output and states, disposes everything, and h_n feeds back as h0', async () => {
    const be = createReferenceBackend();
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3, numLayers: 2, batchFirst: false })], { seed: 13 }).to(be);
    const x = { data: randn(5 * 2 * 2, 14), shape: [5, 2, 2] }; // [T, B, D], time-major
    const live = be.liveTensors();
    const r = await m.predict(x, { states: true });
    expect(be.liveTensors()).toBe(live);
    expect(r.output.shape).toEqual([5, 2, 3]);
    expect(r.hN.shape).toEqual([2, 2, 3]);
    expect(r.cN!.shape).toEqual([2, 2, 3]);
    expect(r.states).toHaveLength(1);
    const pass = m.forward(x);
    expect(bits(r.output.data)).toEqual(bits(await be.read(pass.output)));
    expect(bits(r.hN.data)).toEqual(bits(await be.read(pass.states[0].hN)));
    expect(bits(r.cN!.data)).toEqual(bits(await be.read(pass.states[0].cN!)));
    pass.dispose();
    // Running the sequence in two halves with the carried state gives the same final state.
    const first = await m.predict({ data: x.data.slice(0, 3 * 4), shape: [3, 2, 2] }, { states: true });
    const second = await m.predict({ data: x.data.slice(3 * 4), shape: [2, 2, 2] }, { states: true, h0: first.hN, c0: first.cN! });
    const d = Math.max(...Array.from(second.hN.data, (v, i) => Math.abs(v - r.hN.data[i])));
    expect(d).toBeLessThan(1e-6);
  });

  it('plain predict still returns the output alone; a model without a recurrent layer refuses states', async () => {
    const m = onRef(sequential([gru({ inputSize: 2, hiddenSize: 3 })]));
    const out = await m.predict({ data: randn(4, 1), shape: [1, 2, 2] });
    expect(out.shape).toEqual([1, 2, 3]);
    const dense = onRef(sequential([linear({ inFeatures: 2, outFeatures: 1 })]));
    expect((await rejected(() => dense.predict({ data: randn(2, 1), shape: [1, 2] }, { states: true }))).code).toBe('UNSUPPORTED');
  });
});

describe('dtype errors say what to pass', () => {
  const m = () => onRef(sequential([gru({ inputSize: 2, hiddenSize: 3 })]));

  it('a Float64Array input names the fix', async () => {
    const e = await rejected(() => m().predict({ data: new Float64Array(4) as never, shape: [1, 2, 2] }));
    expect(e.message).toBe('input.data: expected Float32Array (convert with Float32Array.from(x)), got Float64Array');
    expect(e.argument).toBe('input.data');
  });

  it('bare data without a shape is told to wrap it; training data the same', async () => {
    const e = await rejected(() => m().predict(new Float32Array(4) as never));
    expect(e.message).toMatch(/^input: expected \{ data: Float32Array, shape \} or a tensor \(wrap it: .*\), got Float32Array$/);
    const f = await rejected(() =>
      fit(
        m(),
        { x: { data: [1, 2, 3, 4] as never, shape: [1, 2, 2] }, y: { data: new Float32Array(6), shape: [1, 2, 3] } },
        { loss: 'mse', optimizer: adam() },
      ),
    );
    expect(f.message).toMatch(/^data.x.data: expected Float32Array \(convert with Float32Array.from\(x\)\), got an array/);
  });

  it('a Float64Array parameter says to convert it', () => {
    const model = sequential([gru({ inputSize: 2, hiddenSize: 3 })]);
    const state = new Map([...model.parameterInfo()].map((p) => [p.name, new Float32Array(p.shape.reduce((a, b) => a * b, 1))]));
    (state as Map<string, unknown>).set('0.bias_hh_l0', new Float64Array(9));
    expect(thrown(() => model.loadStateDict(state)).message).toMatch(/convert with Float32Array.from\(x\)\), got Float64Array\(9\)/);
  });
});
