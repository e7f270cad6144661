import { describe, expect, it } from 'vitest';
import {
  adam,
  embedding,
  fit,
  generateTokens,
  gru,
  lastStep,
  linear,
  loadModel,
  loadModelBundle,
  loadWeights,
  lstm,
  type Model,
  mse,
  parseSafetensors,
  QUANTIZATION_METADATA_KEY,
  quantize,
  rnn,
  saveModel,
  saveModelBundle,
  sequential,
} from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';
import { Rng } from '../src/util/rng.js';

const rand = (rng: Rng, n: number, s = 1) => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * s);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const models = (): [string, () => Model][] => [
  [
    'lstm 2 layers bidirectional + linear',
    () =>
      sequential([lstm({ inputSize: 6, hiddenSize: 64, numLayers: 2, bidirectional: true, batchFirst: false }), lastStep(), linear({ outFeatures: 3 })], {
        seed: 3,
      }),
  ],
  [
    'gru reset-before + linear',
    () => sequential([gru({ inputSize: 6, hiddenSize: 96, resetAfter: false, batchFirst: false }), linear({ outFeatures: 2 })], { seed: 4 }),
  ],
  [
    'rnn relu batch-first',
    () => sequential([rnn({ inputSize: 6, hiddenSize: 128, nonlinearity: 'relu', batchFirst: true }), linear({ outFeatures: 2 })], { seed: 5 }),
  ],
];

describe('quantize(model, { weights: int8 })', () => {
  for (const [name, make] of models()) {
    it(`${name}: close to float32, saved ~4× smaller, loads back to the same numbers`, async () => {
      const be = createReferenceBackend();
      const f = make().to(be);
      const batchFirst = name.includes('batch-first');
      const [T, B, D] = [7, 3, 6];
      const x = { data: rand(new Rng(8), T * B * D), shape: batchFirst ? [B, T, D] : [T, B, D] };
      const lengths = Int32Array.of(7, 4, 6);
      const want = await f.predict(x, { lengths });
      const q = (await quantize(f, { weights: 'int8' })).to(be);
      expect(q.quantization).toBe('int8');
      expect(f.quantization).toBeUndefined();
      const got = await q.predict(x, { lengths });
      expect(got.shape).toEqual(want.shape);
      const err = maxDiff(got.data, want.data);
      expect(err).toBeGreaterThan(0);
      expect(err).toBeLessThan(0.05);

      const fSaved = await saveModel(f);
      const qSaved = await saveModel(q);
      const ratio = fSaved.weights.length / qSaved.weights.length;
      expect(ratio).toBeGreaterThan(3.3); // int8 weights + one float32 scale per row, float32 biases
      const file = parseSafetensors(qSaved.weights);
      expect(file.metadata[QUANTIZATION_METADATA_KEY]).toContain('int8');
      expect(file.tensors.get('0.weight_ih_l0')!.dtype).toBe('I8');
      expect(file.tensors.get('0.weight_ih_l0_scale')!.dtype).toBe('F32');

      const back = loadModel(qSaved.spec, qSaved.weights).to(be);
      expect(back.quantization).toBe('int8');
      expect((await back.predict(x, { lengths })).data).toEqual(got.data);
      const bundle = loadModelBundle(await saveModelBundle(q)).to(be);
      expect((await bundle.predict(x, { lengths })).data).toEqual(got.data);
      for (const m of [f, q, back, bundle]) m.dispose();
      expect(be.liveTensors()).toBe(0);
    });
  }

  it('an embedding stays float32; the char-LM shape runs', async () => {
    const be = createReferenceBackend();
    const f = sequential([embedding({ numEmbeddings: 11, embeddingDim: 8 }), lstm({ hiddenSize: 16, batchFirst: true }), linear({ outFeatures: 11 })], {
      seed: 2,
    }).to(be);
    const q = (await quantize(f, { weights: 'int8' })).to(be);
    const ids = { ids: Int32Array.from({ length: 10 }, (_, i) => i % 11), shape: [2, 5] as [number, number] };
    const a = await f.predict(ids);
    const b = await q.predict(ids);
    expect(maxDiff(a.data, b.data)).toBeLessThan(0.05);
    const saved = parseSafetensors((await saveModel(q)).weights);
    expect(saved.tensors.get('0.weight')!.dtype).toBe('F32');
    // generation carries state through the int8 recurrent layer, step by step
    const tokens = await generateTokens(q, { prompt: [1, 2, 3], maxLength: 6, strategy: 'greedy' });
    expect(tokens.length).toBe(6);
    f.dispose();
    q.dispose();
  });

  it('inference only: training paths raise UNSUPPORTED and leave the model usable', async () => {
    const be = createReferenceBackend();
    const f = sequential([gru({ inputSize: 2, hiddenSize: 4 }), linear({ outFeatures: 1 })], { seed: 1 }).to(be);
    const q = (await quantize(f, { weights: 'int8' })).to(be);
    const x = { data: rand(new Rng(1), 3 * 2 * 2), shape: [3, 2, 2] };
    const before = await q.predict(x);
    const live = be.liveTensors();
    expect(() => q.forward(x, { training: true })).toThrow(/quantized \(int8 weights\) and runs inference only/);
    expect(() => q.parameters()).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    expect(() => q.loadStateDict(new Map())).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    await expect(
      fit(q, { x, y: { data: new Float32Array(3 * 2), shape: [3, 2, 1] } }, { optimizer: adam({ lr: 0.01 }), loss: mse(), epochs: 1 }),
    ).rejects.toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    await expect(quantize(q, { weights: 'int8' })).rejects.toThrow(/quantized already/);
    await expect(quantize(f, { weights: 'int4' as never })).rejects.toThrow(/expected 'int8'/);
    expect(be.liveTensors()).toBe(live);
    expect((await q.predict(x)).data).toEqual(before.data);
    // stateDict gives the dequantized weights (what an ONNX float export writes)
    const sd = await q.stateDict();
    expect(sd.get('0.weight_ih_l0')!.length).toBe(12 * 2);
  });

  it('loadWeights refuses a quantized file; loadModel refuses a corrupted one', async () => {
    const f = sequential([lstm({ inputSize: 2, hiddenSize: 3 })], { seed: 1 });
    const q = await quantize(f, { weights: 'int8' });
    const saved = await saveModel(q);
    expect(() => loadWeights(f, saved.weights)).toThrow(/holds an int8-quantized model/);
    const file = parseSafetensors(saved.weights);
    const t = file.tensors.get('0.weight_hh_l0')!;
    const bytes = saved.weights.slice();
    const at = t.data.byteOffset - saved.weights.byteOffset;
    bytes[at] = 0x80; // −128
    expect(() => loadModel(saved.spec, bytes)).toThrow(/got -128 at flat index 0/);
  });
});
