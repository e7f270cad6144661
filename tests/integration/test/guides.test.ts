import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { Backend, History, HostTensor, Model } from '@rnnkit/core';
import { gru, sequential } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runGuide } from './guide_runner.js';

/**
 * Every guide in docs/guides runs here as written (see guide_runner.ts): its ```ts blocks,
 * in order, type-checked and executed as one module. Each test then checks what the guide's
 * prose promises, against an outside oracle where there is one (onnxruntime, tfjs-layers).
 * docs/guides/onnx.md runs in packages/onnx-import/test/guide.test.ts, beside its fixture.
 */

const guide = (name: string) => join(REPO_ROOT, 'docs', 'guides', `${name}.md`);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('docs/guides/getting-started.md', () => {
  it('trains, saves, reloads, predicts and exports as it says; onnxruntime agrees', async () => {
    const run = await runGuide<{
      history: History;
      model: Model;
      restored: Model;
      before: HostTensor;
      after: HostTensor;
      fromOnnx: Float32Array;
    }>(guide('getting-started'), 'getting-started', ['history', 'model', 'restored', 'before', 'after', 'fromOnnx']);
    try {
      const { history, before, after, fromOnnx } = run.values;
      const losses = history.epochs.map((e) => e.loss);
      expect(losses).toHaveLength(5);
      expect(losses[4]).toBeLessThan(losses[0]);
      for (const f of ['forecaster.json', 'forecaster.safetensors', 'forecaster.onnx']) expect(existsSync(join(run.dir, f)), f).toBe(true);
      expect(before.shape).toEqual([3, 1]);
      // The restored model is the trained one, bit for bit.
      expect(Array.from(after.data)).toEqual(Array.from(before.data));
      expect(maxAbsDiff(fromOnnx, after.data)).toBeLessThanOrEqual(1e-5);
      run.values.model.dispose();
      run.values.restored.dispose();
    } finally {
      run.cleanup();
    }
  });
});

describe('docs/guides/streaming.md', () => {
  it('streamed chunks and a resumed stream give the whole-sequence outputs', async () => {
    const run = await runGuide<{ model: Model; whole: HostTensor; streamed: Float32Array; last: HostTensor }>(guide('streaming'), 'streaming', [
      'model',
      'whole',
      'streamed',
      'last',
    ]);
    try {
      const { model, whole, streamed, last } = run.values;
      expect(whole.shape).toEqual([1, 25, 2]);
      expect(streamed.length).toBe(24 * 2);
      expect(maxAbsDiff(streamed, whole.data.subarray(0, 24 * 2))).toBeLessThanOrEqual(1e-6);
      expect(last.shape).toEqual([1, 1, 2]);
      expect(maxAbsDiff(last.data, whole.data.subarray(24 * 2))).toBeLessThanOrEqual(1e-6);
      model.dispose();
    } finally {
      run.cleanup();
    }
  });
});

/** A Keras GRU with reset_after=True (Keras' gate order z, r, h), in float64: [B, T, D] → every step [B, T, H]. */
function kerasGruResetAfter(k: Float32Array, rk: Float32Array, bias: Float32Array, x: Float32Array, B: number, T: number, D: number, H: number): Float64Array {
  const G = 3 * H;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const out = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      const mx = new Float64Array(G);
      const mh = new Float64Array(G);
      for (let j = 0; j < G; j++) {
        let sx = bias[j];
        for (let d = 0; d < D; d++) sx += x[(b * T + t) * D + d] * k[d * G + j];
        let sh = bias[G + j];
        for (let i = 0; i < H; i++) sh += h[i] * rk[i * G + j];
        mx[j] = sx;
        mh[j] = sh;
      }
      const next = new Float64Array(H);
      for (let i = 0; i < H; i++) {
        const z = sig(mx[i] + mh[i]);
        const r = sig(mx[H + i] + mh[H + i]);
        const hh = Math.tanh(mx[2 * H + i] + r * mh[2 * H + i]);
        next[i] = z * h[i] + (1 - z) * hh;
        out[(b * T + t) * H + i] = next[i];
      }
      h = next;
    }
  }
  return out;
}

describe('docs/guides/from-keras.md', () => {
  it("converted Keras weights give tfjs-layers' numbers (LSTM + Dense, reset-before GRU) and Keras' reset-after GRU", async () => {
    type Converted = { weightIh: Float32Array; weightHh: Float32Array; biasIh?: Float32Array; biasHh?: Float32Array };
    const run = await runGuide<{
      model: Model;
      gruModel: Model;
      ours: HostTensor;
      theirs: Float32Array;
      gruOurs: HostTensor;
      gruTheirs: Float32Array;
      fromKerasGru: (k: Float32Array, rk: Float32Array, b: Float32Array, d: number, h: number) => Converted;
    }>(guide('from-keras'), 'from-keras', ['model', 'gruModel', 'ours', 'theirs', 'gruOurs', 'gruTheirs', 'fromKerasGru']);
    try {
      const v = run.values;
      expect(v.ours.shape).toEqual([2, 3]);
      expect(maxAbsDiff(v.ours.data, v.theirs)).toBeLessThanOrEqual(1e-5);
      expect(v.gruOurs.shape).toEqual([2, 10, 16]);
      expect(maxAbsDiff(v.gruOurs.data, v.gruTheirs)).toBeLessThanOrEqual(1e-5);
      // Biases must matter: the comparison above would hide a dropped bias if they were all zero.
      expect(Math.max(...Array.from(v.theirs, Math.abs))).toBeGreaterThan(0);

      // fromKerasGru against Keras' reset-after equations, on random weights with a [2, 3H] bias.
      const [B, T, D, H] = [2, 7, 3, 5];
      const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.6);
      const k = rand(D * 3 * H, 1);
      const rk = rand(H * 3 * H, 2);
      const bias = rand(2 * 3 * H, 3);
      const x = rand(B * T * D, 4);
      const w = v.fromKerasGru(k, rk, bias, D, H);
      const m = sequential([gru({ inputSize: D, hiddenSize: H })]).to(await createCpuBackend());
      m.loadStateDict(
        new Map([
          ['0.weight_ih_l0', w.weightIh],
          ['0.weight_hh_l0', w.weightHh],
          ['0.bias_ih_l0', w.biasIh!],
          ['0.bias_hh_l0', w.biasHh!],
        ]),
      );
      const got = await m.predict({ data: x, shape: [B, T, D] });
      expect(maxAbsDiff(got.data, kerasGruResetAfter(k, rk, bias, x, B, T, D, H))).toBeLessThanOrEqual(1e-5);
      m.dispose();
      v.model.dispose();
      v.gruModel.dispose();
    } finally {
      run.cleanup();
    }
  });
});

describe('docs/guides/choosing-a-backend.md', () => {
  it('its block starts the backends it names (WebGPU where this machine has an adapter)', async () => {
    const run = await runGuide<{ cpu: Backend; best: Backend; tfjs: Backend; gpu: Backend | string }>(guide('choosing-a-backend'), 'choosing-a-backend', [
      'cpu',
      'best',
      'tfjs',
      'gpu',
    ]);
    try {
      const { cpu, best, tfjs, gpu } = run.values;
      expect(cpu.info().engine).toMatch(/^cpu-(wasm-relaxed-simd|wasm-simd|js)$/);
      expect(tfjs.info().engine).toBe('tfjs-cpu');
      // createBackend prefers webgpu and falls back to cpu exactly when createWebgpuBackend can't start.
      expect(best.info().name).toBe(typeof gpu === 'string' ? 'cpu' : 'webgpu');
      if (typeof gpu === 'string') expect(gpu).toMatch(/BACKEND_UNAVAILABLE|WebGPU|adapter|webgpu/i);
      for (const b of [cpu, best, tfjs, ...(typeof gpu === 'string' ? [] : [gpu])]) b.destroy();
    } finally {
      run.cleanup();
    }
  });
});
