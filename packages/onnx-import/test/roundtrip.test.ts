import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { LayerDraft, Model } from '@rnnkit/core';
import { embedding, gru, lastStep, linear, lstm, rnn, sequential } from '@rnnkit/core';
import type { ExportOptions } from '@rnnkit/onnx-export';
import { exportOnnx } from '@rnnkit/onnx-export';
import { describe, expect, it } from 'vitest';
import type { OnnxFeed } from '../src/index.js';
import { importOnnx, runImported } from '../src/index.js';
import { draws, maxDiffAll, ORT_TOLERANCE, runOrt } from './helpers.js';

/** rnnkit models of every form the exporter writes; each must come back bitwise. */
const CASES: { name: string; layers: LayerDraft[]; opts?: ExportOptions; tokens?: number }[] = [
  {
    name: 'lstm + lastStep + linear, batch-first',
    layers: [lstm({ inputSize: 3, hiddenSize: 5, dropout: 0.25, numLayers: 2 }), lastStep(), linear({ outFeatures: 2 })],
  },
  { name: 'gru time-major bidirectional 2 layers', layers: [gru({ inputSize: 4, hiddenSize: 3, numLayers: 2, bidirectional: true, batchFirst: false })] },
  {
    name: 'gru resetAfter=false with lengths',
    layers: [gru({ inputSize: 2, hiddenSize: 4, resetAfter: false }), lastStep(), linear({ outFeatures: 3, bias: false })],
    opts: { lengths: true },
  },
  {
    name: 'rnn relu with h0, no bias',
    layers: [rnn({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', numLayers: 2, bias: false })],
    opts: { initialState: true },
  },
  {
    name: 'lstm with h0/c0 and lengths, bidirectional',
    layers: [lstm({ inputSize: 2, hiddenSize: 3, bidirectional: true, numLayers: 2 }), linear({ outFeatures: 2 })],
    opts: { initialState: true, lengths: true },
  },
  {
    name: 'embedding + two separate recurrent layers',
    layers: [embedding({ numEmbeddings: 11, embeddingDim: 4 }), lstm({ hiddenSize: 5 }), gru({ hiddenSize: 3 }), linear({ outFeatures: 11 })],
    tokens: 11,
  },
  {
    name: 'reverse lstm, 2 layers, with h0/c0 and lengths',
    layers: [lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, direction: 'reverse' }), linear({ outFeatures: 2 })],
    opts: { initialState: true, lengths: true },
  },
  {
    name: 'reverse gru resetAfter=false after a forward rnn, time-major',
    layers: [
      rnn({ inputSize: 2, hiddenSize: 3, batchFirst: false }),
      gru({ hiddenSize: 4, resetAfter: false, batchFirst: false, direction: 'reverse' }),
      lastStep(),
      linear({ outFeatures: 1 }),
    ],
  },
  {
    name: 'gru + per-step linear with a final logSoftmax (reported as outputs[0].activation)',
    layers: [gru({ inputSize: 3, hiddenSize: 4 }), linear({ outFeatures: 3 })],
    opts: { outputActivation: 'logSoftmax' },
  },
  {
    name: 'rnn tanh opset 14 time-major lastStep',
    layers: [rnn({ inputSize: 2, hiddenSize: 3, batchFirst: false }), lastStep(), linear({ outFeatures: 1 })],
    opts: { opset: 14 },
  },
];

function feedsFor(model: Model, imported: ReturnType<typeof importOnnx>, B: number, T: number, tokens?: number): Record<string, OnnxFeed> {
  const feeds: Record<string, OnnxFeed> = {};
  const first = model.spec.layers.find((l) => l.type === 'recurrent')!;
  if (first.type !== 'recurrent') throw new Error('no recurrent layer');
  const rows = first.numLayers * (first.bidirectional ? 2 : 1);
  for (const b of imported.inputs) {
    const seqShape = b.axes[0] === 'batch' ? [B, T] : [T, B];
    if (b.role === 'x') feeds[b.name] = { data: draws(B * T * first.inputSize, 7), shape: [...seqShape, first.inputSize] };
    if (b.role === 'ids') feeds[b.name] = { data: BigInt64Array.from({ length: B * T }, (_, i) => BigInt((i * 7) % tokens!)), shape: seqShape };
    if (b.role === 'lengths') feeds[b.name] = { data: Int32Array.from({ length: B }, (_, i) => T - (i % T)), shape: [B] };
    if (b.role === 'h0' || b.role === 'c0')
      feeds[b.name] = { data: draws(rows * B * first.hiddenSize, b.role === 'h0' ? 3 : 4, 0.5), shape: [rows, B, first.hiddenSize] };
  }
  return feeds;
}

describe('importOnnx(exportOnnx(m))', async () => {
  const backend = await createCpuBackend();
  for (const c of CASES) {
    it(`${c.name}: same spec and parameters bitwise, same outputs as onnxruntime`, async () => {
      const m = sequential(c.layers, { seed: 5 });
      const bytes = await exportOnnx(m, c.opts);
      const imported = importOnnx(bytes);
      expect(imported.spec).toEqual(m.spec);
      expect(imported.outputs.find((o) => o.role === 'output')?.activation).toBe(c.opts?.outputActivation);
      const want = await m.stateDict();
      expect([...imported.stateDict.keys()]).toEqual([...want.keys()]);
      for (const [k, v] of want) expect(Buffer.from(imported.stateDict.get(k)!.buffer).equals(Buffer.from(v.buffer)), k).toBe(true);
      const feeds = feedsFor(m, imported, 3, 5, c.tokens);
      const ours = await runImported(imported, imported.model.to(backend), feeds);
      const theirs = await runOrt(bytes, feeds);
      const d = maxDiffAll(ours, theirs);
      console.log(`${c.name}: max |rnnkit − onnxruntime| = ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(ORT_TOLERANCE);
    });
  }
});
