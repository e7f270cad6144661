import type { LayerDraft, Model } from '@rnnkit/core';
import { allSteps, embedding, gru, hasCellState, hostTensor, lastStep, linear, lstm, rnn, sequential } from '@rnnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index.js';
import type { Feed } from './helpers.js';
import { compareAll, DiffLog, draws, ORT_TOLERANCE, runOrt, runRnnkit } from './helpers.js';

/**
 * Whole models: embeddings, heads on the last valid step or on every step, stacks of
 * recurrent layers, in both layouts, with and without lengths and initial states. Each is
 * exported once and compared with rnnkit's CPU backend.
 */
const log = new DiffLog();

interface Scenario {
  name: string;
  layers: (batchFirst: boolean) => LayerDraft[];
  /** Token vocabulary when the model starts with an embedding. */
  vocab?: number;
}

const scenarios: Scenario[] = [
  {
    name: 'lstm bi L2 → lastStep → linear',
    layers: (batchFirst) => [lstm({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, batchFirst }), lastStep(), linear({ outFeatures: 4 })],
  },
  { name: 'gru → per-step linear', layers: (batchFirst) => [gru({ inputSize: 3, hiddenSize: 4, batchFirst }), linear({ outFeatures: 2 })] },
  {
    name: 'gru(resetAfter=false) bi → allSteps → linear',
    layers: (batchFirst) => [gru({ inputSize: 3, hiddenSize: 4, bidirectional: true, resetAfter: false, batchFirst }), allSteps(), linear({ outFeatures: 3 })],
  },
  {
    name: 'rnn_relu L3 → lastStep → linear(no bias)',
    layers: (batchFirst) => [
      rnn({ inputSize: 3, hiddenSize: 4, numLayers: 3, nonlinearity: 'relu', batchFirst }),
      lastStep(),
      linear({ outFeatures: 2, bias: false }),
    ],
  },
  {
    name: 'embedding → lstm → lastStep → linear',
    vocab: 11,
    layers: (batchFirst) => [embedding({ numEmbeddings: 11, embeddingDim: 5 }), lstm({ hiddenSize: 6, batchFirst }), lastStep(), linear({ outFeatures: 3 })],
  },
  {
    name: 'embedding → gru bi L2 → per-step linear (tagging)',
    vocab: 9,
    layers: (batchFirst) => [
      embedding({ numEmbeddings: 9, embeddingDim: 4 }),
      gru({ hiddenSize: 3, numLayers: 2, bidirectional: true, batchFirst }),
      linear({ outFeatures: 5 }),
    ],
  },
  {
    name: 'lstm → linear → rnn_tanh bi → lastStep → linear (two recurrent layers)',
    layers: (batchFirst) => [
      lstm({ inputSize: 3, hiddenSize: 4, batchFirst }),
      linear({ outFeatures: 5 }),
      rnn({ hiddenSize: 3, bidirectional: true, batchFirst }),
      lastStep(),
      linear({ outFeatures: 2 }),
    ],
  },
];

const B = 4;
const T = 6;
const LENGTHS = [3, 6, 1, 5];

function inputsFor(model: Model, s: Scenario, batchFirst: boolean, seed: number) {
  const first = model.spec.layers[0];
  const shape2 = batchFirst ? [B, T] : [T, B];
  if (s.vocab) {
    const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + seed) % s.vocab!);
    return { rk: { ids, shape: shape2 as [number, number] }, feed: { int64: BigInt64Array.from(ids, (v) => BigInt(v)), shape: shape2 } as Feed };
  }
  const D = first.type === 'recurrent' ? first.inputSize : 0;
  const x = draws(B * T * D, seed);
  return { rk: hostTensor(x, [...shape2, D]), feed: { float: x, shape: [...shape2, D] } as Feed };
}

describe('whole models: onnxruntime vs backend-cpu', () => {
  for (const s of scenarios)
    for (const batchFirst of [true, false])
      for (const withLengths of [false, true])
        for (const withState of [false, true]) {
          const name = `${s.name} ${batchFirst ? 'batchFirst' : 'timeMajor'}${withLengths ? ' lengths' : ''}${withState ? ' h0' : ''}`;
          it(name, async () => {
            const model = sequential(s.layers(batchFirst), { seed: name.length * 31 });
            const bytes = await exportOnnx(model, { lengths: withLengths, initialState: withState });
            const { rk, feed } = inputsFor(model, s, batchFirst, name.length);
            const feeds: Record<string, Feed> = { input: feed };
            const rec = model.spec.layers.find((l) => l.type === 'recurrent')!;
            if (rec.type !== 'recurrent') throw new Error('unreachable');
            const stateShape = [rec.numLayers * (rec.bidirectional ? 2 : 1), B, rec.hiddenSize];
            const h0 = draws(stateShape[0] * B * rec.hiddenSize, 7, 0.5);
            const c0 = draws(stateShape[0] * B * rec.hiddenSize, 8, 0.5);
            if (withLengths) feeds.lengths = { int32: Int32Array.from(LENGTHS), shape: [B] };
            if (withState) {
              feeds.h0 = { float: h0, shape: stateShape };
              if (hasCellState(rec.cell)) feeds.c0 = { float: c0, shape: stateShape };
            }
            const ox = await runOrt(bytes, feeds);
            const r = await runRnnkit(model, rk, {
              ...(withLengths ? { lengths: LENGTHS } : {}),
              ...(withState ? { h0: hostTensor(h0, stateShape), ...(hasCellState(rec.cell) ? { c0: hostTensor(c0, stateShape) } : {}) } : {}),
            });
            const recLayers = model.spec.layers.flatMap((l, i) => (l.type === 'recurrent' ? [i] : []));
            const diff = compareAll(r, ox, recLayers);
            log.add(name, diff);
            expect(diff).toBeLessThanOrEqual(ORT_TOLERANCE);
            model.dispose();
          });
        }

  it('a model without a recurrent layer: embedding → linear', async () => {
    const model = sequential([embedding({ numEmbeddings: 6, embeddingDim: 3 }), linear({ outFeatures: 2 })], { seed: 3 });
    const bytes = await exportOnnx(model);
    const ids = Int32Array.from([0, 5, 2, 3, 1, 4]);
    const ox = await runOrt(bytes, { input: { int64: BigInt64Array.from(ids, (v) => BigInt(v)), shape: [2, 3] } });
    const r = await runRnnkit(model, { ids, shape: [2, 3] });
    expect(compareAll(r, ox)).toBeLessThanOrEqual(ORT_TOLERANCE);
    model.dispose();
  });

  afterAll(() => console.log(log.summary('whole models (onnxruntime vs backend-cpu)')));
});
