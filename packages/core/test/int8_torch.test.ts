import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gru, type LayerDraft, linear, lstm, quantize, rnn, sequential } from '../src/index.js';
import { coreFixturesPath } from '../src/testing/fixtures_dir.js';
import { createReferenceBackend } from '../src/testing/index.js';

/**
 * rnnkit's int8 inference against PyTorch's own dynamic quantization on the same float32
 * weights and inputs (fixtures/int8/generate.py: quantize_dynamic, qint8, the engine recorded in
 * the file). rnnkit's RMS error against the float32 output must be at most 1.5× PyTorch's.
 * The reference backend runs core's exact integer scheme (info().quantized = 'host'): the same
 * numbers as a native int8 kernel.
 */
interface T8 {
  shape: number[];
  data: number[];
}
interface Int8Fixture {
  name: string;
  torch_version: string;
  engine: string;
  kind: 'lstm' | 'gru' | 'rnn_tanh' | 'linear';
  inputSize: number;
  hiddenSize: number;
  T: number;
  B: number;
  params: Record<string, T8>;
  x: T8;
  float32: T8;
  quantized: T8;
}

const dir = coreFixturesPath('int8');
function load(name: string): Int8Fixture {
  const p = join(dir, `${name}.json`);
  if (!existsSync(p)) throw new Error(`int8 fixture ${p} is missing: run /usr/bin/python3 packages/core/fixtures/int8/generate.py`);
  return JSON.parse(readFileSync(p, 'utf8')) as Int8Fixture;
}
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { cases: string[] };

const rms = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
};

describe('int8 accuracy against PyTorch quantize_dynamic', () => {
  it('has the four fixtures', () => expect(index.cases.length).toBe(4));
  for (const name of index.cases) {
    it(`${name}: rnnkit's int8 error ≤ 1.5× PyTorch's`, async () => {
      const f = load(name);
      const { inputSize: D, hiddenSize: H } = f;
      const layer: LayerDraft =
        f.kind === 'lstm'
          ? lstm({ inputSize: D, hiddenSize: H, batchFirst: false })
          : f.kind === 'gru'
            ? gru({ inputSize: D, hiddenSize: H, batchFirst: false })
            : f.kind === 'rnn_tanh'
              ? rnn({ inputSize: D, hiddenSize: H, batchFirst: false })
              : linear({ inFeatures: D, outFeatures: H });
      const be = createReferenceBackend();
      const model = sequential([layer]);
      model.loadStateDict(new Map(Object.entries(f.params).map(([k, v]) => [k, Float32Array.from(v.data)])));
      const q = (await quantize(model, { weights: 'int8' })).to(be);
      // a linear model takes [B, T, D]: the fixture's [B, D] as one step
      const x = { data: Float32Array.from(f.x.data), shape: f.kind === 'linear' ? [f.x.shape[0], 1, D] : f.x.shape };
      const y = await q.predict(x);
      expect(y.data.length).toBe(f.float32.data.length);
      const mine = rms(y.data, f.float32.data);
      const torch = rms(f.quantized.data, f.float32.data);
      console.log(
        `[int8 vs torch ${f.torch_version} ${f.engine}] ${name}: rnnkit RMS error ${mine.toExponential(3)}, PyTorch ${torch.toExponential(3)} (ratio ${(mine / torch).toFixed(2)})`,
      );
      expect(mine).toBeLessThanOrEqual(1.5 * torch);
      q.dispose();
    });
  }
});
