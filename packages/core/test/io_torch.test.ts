import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type LayerSpec, loadModel, type ModelSpec, parseSafetensors, type RecurrentSpec } from '../src/index.js';
import { referenceRecurrent64 } from '../src/testing/reference.js';

/**
 * The PyTorch safetensors fixtures (scripts/torch_safetensors_fixtures.py) load with the right
 * names: the float64 reference run on the loaded weights gives torch's outputs. Running them on
 * a real backend is in tests/integration (io_torch.test.ts).
 */
interface Flat {
  shape: number[];
  data: number[];
}
interface Fixture {
  name: string;
  weights: string;
  dtype: string;
  naming: 'bare' | 'sequential' | 'prefixes';
  prefixes: Record<string, string> | null;
  layers: LayerSpec[];
  cases: { lengths: number[] | null; x: Flat; output: Flat; h_n: Flat; c_n: Flat | null }[];
}

const dir = new URL('../fixtures/safetensors/', import.meta.url);
const names = (JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as { fixtures: string[] }).fixtures;
const load = (name: string) => JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')) as Fixture;
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('PyTorch state_dicts saved as safetensors', () => {
  it('covers RNN, LSTM, GRU (bare, 2-layer bidirectional), F64, Sequential names and module prefixes', () => {
    expect(names).toEqual(
      expect.arrayContaining(['rnn_tanh_l2_bi', 'lstm_l2_bi', 'gru_l2_bi', 'rnn_tanh_l2_bi_f64', 'lstm_sequential_head', 'gru_module_prefixes']),
    );
  });

  for (const name of names) {
    it(`${name}: loads and the reference gives torch's outputs within 1e-5`, async () => {
      const f = load(name);
      const bytes = new Uint8Array(readFileSync(new URL(f.weights, dir)));
      expect(parseSafetensors(bytes).metadata).toEqual({ format: 'pt' });
      const spec: ModelSpec = { format: 'rnnkit.model', version: 1, layers: f.layers, seed: 0 };
      const model = loadModel(JSON.stringify(spec), bytes, f.prefixes ? { prefixes: f.prefixes } : {});
      const state = await model.stateDict();
      const rec = f.layers[0] as RecurrentSpec;
      const params = new Map([...state].filter(([k]) => k.startsWith('0.')).map(([k, v]) => [k.slice(2), Float64Array.from(v)]));
      for (const c of f.cases) {
        const [B, T] = c.x.shape;
        const r = referenceRecurrent64(rec, { x: Float64Array.from(c.x.data), T, B, params, ...(c.lengths ? { lengths: c.lengths } : {}) });
        expect(maxAbs(r.hN, c.h_n.data)).toBeLessThan(1e-5);
        if (c.c_n) expect(maxAbs(r.cN!, c.c_n.data)).toBeLessThan(1e-5);
        // The rest of the graph, on the host: select → linear.
        let out = r.output;
        let rows = B * T;
        let F = rec.hiddenSize * (rec.bidirectional ? 2 : 1);
        for (let i = 1; i < f.layers.length; i++) {
          const l = f.layers[i];
          if (l.type === 'select' && l.steps === 'last') {
            const sel = new Float64Array(B * F);
            for (let b = 0; b < B; b++) {
              const t = (c.lengths ? c.lengths[b] : T) - 1;
              sel.set(out.subarray((b * T + t) * F, (b * T + t + 1) * F), b * F);
            }
            out = sel;
            rows = B;
          } else if (l.type === 'linear') {
            const w = state.get(`${i}.weight`)!;
            const bias = state.get(`${i}.bias`)!;
            const y = new Float64Array(rows * l.outFeatures);
            for (let r0 = 0; r0 < rows; r0++) {
              for (let o = 0; o < l.outFeatures; o++) {
                let s = bias[o];
                for (let k = 0; k < F; k++) s += w[o * F + k] * out[r0 * F + k];
                y[r0 * l.outFeatures + o] = s;
              }
            }
            out = y;
            F = l.outFeatures;
          }
        }
        expect(maxAbs(out, c.output.data)).toBeLessThan(1e-5);
      }
    });
  }

  it("the F64 file holds exactly the F32 file's values", async () => {
    const a = load('rnn_tanh_l2_bi');
    const spec = { format: 'rnnkit.model', version: 1, layers: a.layers, seed: 0 } as ModelSpec;
    const f32 = await loadModel(spec, new Uint8Array(readFileSync(new URL('rnn_tanh_l2_bi.safetensors', dir)))).stateDict();
    const f64 = await loadModel(spec, new Uint8Array(readFileSync(new URL('rnn_tanh_l2_bi_f64.safetensors', dir)))).stateDict();
    for (const [k, v] of f32) expect(f64.get(k)).toEqual(v);
  });
});
