import { createCpuBackend } from '@rnnkit/backend-cpu';
import {
  charVocabulary,
  createSequences,
  embedding,
  gru,
  iterateBatches,
  lastStep,
  linear,
  lstm,
  padSequences,
  padTokens,
  sequential,
  trainValidationSplit,
  ZScore,
} from '@rnnkit/core';
import { describe, expect, it } from 'vitest';

/** The data helpers feed real models on backend-cpu with the shapes and lengths the models expect. */
const be = await createCpuBackend();

describe('data helpers into models (backend-cpu)', () => {
  it('series → split → z-score on train → windows → batches → predictions in original units', async () => {
    const series = Array.from({ length: 120 }, (_, t) => [Math.sin(t / 5) * 10 + 50, Math.cos(t / 7)]);
    const { train, validation } = trainValidationSplit(series, { validationFraction: 0.25, overlap: 12 });
    const z = ZScore.fit(train);
    const tr = createSequences(z.transform(train), { window: 12, horizon: 2, targets: [0] });
    const va = createSequences(z.transform(validation), { window: 12, horizon: 2, targets: [0] });
    expect(va.x.shape).toEqual([30 - 2 + 1, 12, 2]);
    const model = sequential([lstm({ inputSize: 2, hiddenSize: 8 }), lastStep(), linear({ outFeatures: 2 })], { seed: 1 }).to(be);
    let rows = 0;
    for (const b of iterateBatches({ x: tr.x, y: tr.y }, { batchSize: 16, shuffle: true, seed: 3 })) {
      const y = await model.predict(b.x);
      expect(y.shape).toEqual(b.y.shape);
      rows += b.indices.length;
    }
    expect(rows).toBe(tr.x.shape[0]);
    const forecast = z.inverse(await model.predict(va.x), { features: 0 });
    expect(forecast.shape).toEqual([va.x.shape[0], 2]);
    expect(Array.from(z.inverse(va.y, { features: 0 }).data.subarray(0, 2)).map((v) => Math.round(v * 1e4) / 1e4)).toEqual(
      [series[90][0], series[91][0]].map((v) => Math.round(v * 1e4) / 1e4),
    );
    model.dispose();
  });

  it('padded float sequences with lengths give each sequence its own unpadded result', async () => {
    const seqs = [
      [
        [1, 0],
        [0.5, 0.2],
        [0.1, -1],
      ],
      [[0.3, 0.3]],
      [
        [-1, 2],
        [0, 1],
      ],
    ];
    const model = sequential([gru({ inputSize: 2, hiddenSize: 4, bidirectional: true }), lastStep(), linear({ outFeatures: 1 })], { seed: 2 }).to(be);
    const { x, lengths } = padSequences(seqs);
    const batched = await model.predict(x, { lengths });
    for (let i = 0; i < seqs.length; i++) {
      const alone = await model.predict(padSequences([seqs[i]]).x);
      expect(batched.data[i]).toBeCloseTo(alone.data[0], 5);
    }
    model.dispose();
  });

  it('a character vocabulary and padTokens feed an embedding model', async () => {
    const vocab = charVocabulary('the quick brown fox');
    const texts = ['the fox', 'quick', 'brown ox'];
    const { ids, shape, lengths } = padTokens(
      texts.map((t) => vocab.encode(t)),
      { padId: vocab.padId },
    );
    const model = sequential([embedding({ numEmbeddings: vocab.size, embeddingDim: 4 }), lstm({ hiddenSize: 6 }), lastStep(), linear({ outFeatures: 2 })], {
      seed: 3,
    }).to(be);
    const batched = await model.predict({ ids, shape }, { lengths });
    for (let i = 0; i < texts.length; i++) {
      const one = vocab.encode(texts[i]);
      const alone = await model.predict({ ids: one, shape: [1, one.length] });
      expect(batched.data[i * 2]).toBeCloseTo(alone.data[0], 5);
      expect(batched.data[i * 2 + 1]).toBeCloseTo(alone.data[1], 5);
    }
    expect(vocab.decode(ids.subarray(shape[1], 2 * shape[1]))).toBe('quick');
    model.dispose();
  });
});
