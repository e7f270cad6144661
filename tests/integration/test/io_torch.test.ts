import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import {
  gru,
  type LayerSpec,
  lastStep,
  linear,
  loadModel,
  loadModelBundle,
  loadWeights,
  lstm,
  type Model,
  type ModelSpec,
  type RecurrentSpec,
  RnnkitError,
  rnn,
  saveModel,
  saveModelBundle,
  saveWeights,
  sequential,
} from '@rnnkit/core';
import { describe, expect, it } from 'vitest';

/**
 * Serialization end to end on backend-cpu: PyTorch state_dicts saved as safetensors (committed
 * fixtures from scripts/torch_safetensors_fixtures.py) load and give PyTorch's outputs; saved
 * models reload bit for bit; and, where this machine has PyTorch, files rnnkit writes load into
 * torch.nn modules and give rnnkit's outputs.
 */
interface Flat {
  shape: number[];
  data: number[];
}
interface Fixture {
  name: string;
  weights: string;
  naming: 'bare' | 'sequential' | 'prefixes';
  prefixes: Record<string, string> | null;
  layers: LayerSpec[];
  cases: { lengths: number[] | null; x: Flat; output: Flat; h_n: Flat; c_n: Flat | null }[];
}

const coreDir = dirname(createRequire(import.meta.url).resolve('@rnnkit/core/package.json'));
const fixtureDir = join(coreDir, 'fixtures', 'safetensors');
const names = (JSON.parse(readFileSync(join(fixtureDir, 'index.json'), 'utf8')) as { fixtures: string[] }).fixtures;
const fixture = (name: string) => JSON.parse(readFileSync(join(fixtureDir, `${name}.json`), 'utf8')) as Fixture;
const weightsOf = (f: Fixture) => new Uint8Array(readFileSync(join(fixtureDir, f.weights)));
const be = await createCpuBackend();

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const host = (v: Flat) => ({ data: Float32Array.from(v.data), shape: v.shape });

async function run(model: Model, x: { data: Float32Array; shape: number[] }, lengths: number[] | null) {
  const pass = model.forward(x, lengths ? { lengths } : {});
  try {
    const st = pass.states[0];
    return {
      output: await be.read(pass.output),
      hN: await be.read(st.hN),
      cN: st.cN ? await be.read(st.cN) : undefined,
    };
  } finally {
    pass.dispose();
  }
}

describe('PyTorch safetensors fixtures on backend-cpu', () => {
  for (const name of names) {
    it(`${name}: loadModel gives torch's output and h_n within 1e-5`, async () => {
      const f = fixture(name);
      const spec: ModelSpec = { format: 'rnnkit.model', version: 1, layers: f.layers, seed: 0 };
      const model = loadModel(JSON.stringify(spec), weightsOf(f), f.prefixes ? { prefixes: f.prefixes } : {}).to(be);
      for (const c of f.cases) {
        const r = await run(model, host(c.x), c.lengths);
        expect(maxAbs(r.output, c.output.data)).toBeLessThan(1e-5);
        expect(maxAbs(r.hN, c.h_n.data)).toBeLessThan(1e-5);
        if (c.c_n) expect(maxAbs(r.cN!, c.c_n.data)).toBeLessThan(1e-5);
      }
      model.dispose();
    });
  }

  it('a bare nn.LSTM state_dict loads into a model built with sequential() via loadWeights', async () => {
    const f = fixture('lstm_l2_bi');
    const rec = f.layers[0] as RecurrentSpec;
    const model = sequential([lstm({ inputSize: rec.inputSize, hiddenSize: rec.hiddenSize, numLayers: 2, bidirectional: true })], { seed: 123 }).to(be);
    loadWeights(model, weightsOf(f));
    const c = f.cases[1];
    const y = await model.predict(host(c.x), { lengths: c.lengths! });
    expect(maxAbs(y.data, c.output.data)).toBeLessThan(1e-5);
    model.dispose();
  });
});

describe('save and load on backend-cpu', () => {
  const build = () =>
    sequential([gru({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true }), lastStep(), linear({ outFeatures: 2 })], { seed: 11 }).to(be);
  const x = { data: Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)), shape: [2, 4, 3] };

  it('a model on the backend saves and reloads bit for bit: same parameters, same predictions', async () => {
    const m = build();
    const before = await m.predict(x, { lengths: [4, 2] });
    const { spec, weights } = await saveModel(m);
    const back = loadModel(spec, weights).to(be);
    const after = await back.predict(x, { lengths: [4, 2] });
    expect(bits(after.data)).toEqual(bits(before.data));
    for (const [k, v] of await m.stateDict()) expect(bits((await back.stateDict()).get(k)!)).toEqual(bits(v));
    const bundled = loadModelBundle(await saveModelBundle(m)).to(be);
    expect(bits((await bundled.predict(x, { lengths: [4, 2] })).data)).toEqual(bits(before.data));
    for (const mm of [m, back, bundled]) mm.dispose();
  });

  it('a bad file leaves a model on the backend as it was (parameters and live tensors)', async () => {
    const m = build();
    const before = await m.predict(x);
    const weights = await saveWeights(
      sequential([gru({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true }), lastStep(), linear({ outFeatures: 2 })], { seed: 12 }),
    );
    const live = (be as unknown as { liveTensors?: () => number }).liveTensors?.();
    for (const bad of [weights.subarray(0, weights.length - 4), weights.subarray(0, 100), new Uint8Array(3)]) {
      expect(() => loadWeights(m, bad)).toThrow(RnnkitError);
    }
    const wrong = await saveWeights(
      sequential([gru({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true }), lastStep(), linear({ outFeatures: 2 })]),
    );
    expect(() => loadWeights(m, wrong)).toThrow(/expected shape \[15, 3\]/);
    if (live !== undefined) expect((be as unknown as { liveTensors: () => number }).liveTensors()).toBe(live);
    expect(bits((await m.predict(x)).data)).toEqual(bits(before.data));
    loadWeights(m, weights);
    expect(bits((await m.predict(x)).data)).not.toEqual(bits(before.data));
    m.dispose();
  });
});

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(repoRoot, 'scripts', 'torch_safetensors_fixtures.py');
const hasTorch = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
})();

if (!hasTorch) console.log('skipped: rnnkit-written files into PyTorch: /usr/bin/python3 cannot import torch here (Debian: apt-get install python3-torch)');
describe.skipIf(!hasTorch)('files rnnkit writes load into PyTorch (needs /usr/bin/python3 with torch)', () => {
  for (const [name, draft] of [
    ['rnn_tanh', rnn({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })],
    ['lstm', lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })],
    ['gru', gru({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })],
  ] as const) {
    it(`${name}: torch's output on rnnkit's saved weights equals rnnkit's within 1e-5`, async () => {
      const model = sequential([draft], { seed: 21 }).to(be);
      const x = { data: Float32Array.from({ length: 3 * 5 * 3 }, (_, i) => Math.cos(1.7 * i)), shape: [3, 5, 3] };
      const lengths = [5, 2, 4];
      const mine = await run(model, x, lengths);
      const dir = mkdtempSync(join(tmpdir(), 'rnnkit-io-'));
      try {
        writeFileSync(join(dir, 'w.safetensors'), await saveWeights(model));
        writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ layers: model.spec.layers, x: { shape: x.shape, data: Array.from(x.data) }, lengths }));
        const out = JSON.parse(
          execFileSync('/usr/bin/python3', [script, '--load-check', join(dir, 'w.safetensors'), join(dir, 'cfg.json')], { encoding: 'utf8', timeout: 120_000 }),
        );
        expect(out.format).toBe('pt');
        expect(maxAbs(mine.output, out.output.data)).toBeLessThan(1e-5);
        expect(maxAbs(mine.hN, out.h_n.data)).toBeLessThan(1e-5);
        if (out.c_n) expect(maxAbs(mine.cN!, out.c_n.data)).toBeLessThan(1e-5);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        model.dispose();
      }
    });
  }
});
