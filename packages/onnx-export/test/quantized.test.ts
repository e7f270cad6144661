import type { LayerDraft } from '@rnnkit/core';
import { gru, lastStep, linear, lstm, Model, quantize, rnn, sequential } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index.js';
import { ORT_TOLERANCE, runOrt, runRnnkit } from './helpers.js';

/**
 * int8-quantized models: refused without `quantized` (the `'int8'` form is int8_export.test.ts);
 * `{ quantized: 'dequantize' }` writes
 * float32 weights Wq · scale for every cell and the linear head. onnxruntime then runs exactly
 * the float32 model with those weights (checked against rnnkit's CPU backend within
 * ORT_TOLERANCE), and stays near rnnkit's own int8 run (activations are not quantized there).
 */
const cases: [string, LayerDraft[]][] = [
  ['lstm bi → lastStep → linear', [lstm({ inputSize: 4, hiddenSize: 16, bidirectional: true, batchFirst: false }), lastStep(), linear({ outFeatures: 3 })]],
  ['gru (reset-before) → linear', [gru({ inputSize: 4, hiddenSize: 16, resetAfter: false, batchFirst: false }), linear({ outFeatures: 2 })]],
  ['rnn tanh L2 → linear', [rnn({ inputSize: 4, hiddenSize: 16, numLayers: 2, batchFirst: false }), linear({ outFeatures: 2 })]],
];

const [T, B, D] = [5, 2, 4];
const x = { data: Float32Array.from({ length: T * B * D }, (_, i) => Math.sin(i * 0.7)), shape: [T, B, D] };
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('quantized models', () => {
  for (const [name, layers] of cases) {
    it(`${name}: refused by default, exported dequantized when asked`, async () => {
      const q = await quantize(sequential(layers, { seed: 3 }), { weights: 'int8' });
      await expect(exportOnnx(q)).rejects.toThrow(
        expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringContaining("quantized: 'dequantize'") }),
      );
      const bytes = await exportOnnx(q, { quantized: 'dequantize' });
      const ort = await runOrt(bytes, { input: { float: x.data, shape: x.shape } });
      const ortOut = Object.values(ort)[0];
      // the float32 model with the dequantized weights, on rnnkit
      const dequantized = new Model(q.spec, await q.stateDict());
      const want = await runRnnkit(dequantized, x);
      expect(maxDiff(ortOut.data, want.output.data)).toBeLessThanOrEqual(ORT_TOLERANCE);
      const int8 = await runRnnkit(q, x);
      const d = maxDiff(ortOut.data, int8.output.data);
      console.log(`[onnx dequantized] ${name}: onnxruntime vs rnnkit int8 max |Δ| ${d.toExponential(2)}`);
      expect(d).toBeLessThan(0.05);
    });
  }
  it('rejects an unknown quantized option', async () => {
    const q = await quantize(sequential(cases[0][1], { seed: 3 }), { weights: 'int8' });
    await expect(exportOnnx(q, { quantized: 'qdq' as never })).rejects.toThrow(/options.quantized: expected 'dequantize'/);
  });
});
