import type { LayerDraft } from '@rnnkit/core';
import { embedding, gru, lastStep, linear, lstm, rnn, sequential } from '@rnnkit/core';
import { exportOnnx } from '@rnnkit/onnx-export';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';

/**
 * Random rnnkit models of every form the exporter writes: importOnnx(exportOnnx(m)) gives m's
 * spec and every parameter back bit for bit.
 */

const recurrentLayer = fc.record({
  cell: fc.constantFrom('rnn_tanh', 'rnn_relu', 'lstm', 'gru', 'gru_reset_before'),
  hiddenSize: fc.integer({ min: 1, max: 5 }),
  numLayers: fc.integer({ min: 1, max: 3 }),
  direction: fc.constantFrom('forward', 'reverse', 'bidirectional'),
  bias: fc.boolean(),
  dropout: fc.constantFrom(0, 0.1, 0.5),
});

const modelShape = fc.record({
  tokens: fc.option(fc.integer({ min: 2, max: 9 }), { nil: undefined }),
  linearFirst: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  inputSize: fc.integer({ min: 1, max: 4 }),
  recurrent: fc.array(recurrentLayer, { minLength: 1, maxLength: 3 }),
  batchFirst: fc.boolean(),
  last: fc.boolean(),
  heads: fc.array(fc.record({ out: fc.integer({ min: 1, max: 4 }), bias: fc.boolean() }), { maxLength: 2 }),
  lengths: fc.boolean(),
  initialState: fc.boolean(),
  opset: fc.integer({ min: 14, max: 21 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

describe('importOnnx(exportOnnx(m)) for random models', () => {
  it('gives back the spec and the parameters bitwise', async () => {
    await fc.assert(
      fc.asyncProperty(modelShape, async (s) => {
        const layers: LayerDraft[] = [];
        if (s.tokens !== undefined) layers.push(embedding({ numEmbeddings: s.tokens, embeddingDim: s.inputSize }));
        else if (s.linearFirst !== undefined) layers.push(linear({ inFeatures: s.inputSize, outFeatures: s.linearFirst }));
        s.recurrent.forEach((r, i) => {
          const o = {
            hiddenSize: r.hiddenSize,
            numLayers: r.numLayers,
            bidirectional: r.direction === 'bidirectional',
            ...(r.direction === 'reverse' ? { direction: 'reverse' as const } : {}),
            bias: r.bias,
            dropout: r.numLayers > 1 ? r.dropout : 0,
            batchFirst: s.batchFirst,
            ...(i === 0 && layers.length === 0 ? { inputSize: s.inputSize } : {}),
          };
          if (r.cell === 'lstm') layers.push(lstm(o));
          else if (r.cell === 'gru' || r.cell === 'gru_reset_before') layers.push(gru({ ...o, resetAfter: r.cell === 'gru' }));
          else layers.push(rnn({ ...o, nonlinearity: r.cell === 'rnn_relu' ? 'relu' : 'tanh' }));
        });
        if (s.last) layers.push(lastStep());
        for (const h of s.heads) layers.push(linear({ outFeatures: h.out, bias: h.bias }));
        const m = sequential(layers, { seed: s.seed });
        const imported = importOnnx(await exportOnnx(m, { lengths: s.lengths, initialState: s.initialState, opset: s.opset }));
        expect(imported.spec).toEqual(m.spec);
        const want = await m.stateDict();
        expect([...imported.stateDict.keys()]).toEqual([...want.keys()]);
        for (const [k, v] of want) expect(Buffer.compare(Buffer.from(imported.stateDict.get(k)!.buffer), Buffer.from(v.buffer)), k).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
