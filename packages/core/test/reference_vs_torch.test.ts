import { describe, expect, it } from 'vitest';
import { loadTorchFixtures, referenceRecurrent64, type TorchFixture, torchFixtureSpec } from '../src/testing/index.js';

const fixtures = loadTorchFixtures();

function refOutputs(f: TorchFixture, over?: { name: string; data: Float64Array }) {
  const get = (name: string, v: number[]) => (over && over.name === name ? over.data : Float64Array.from(v));
  const params = new Map(Object.entries(f.params).map(([k, v]) => [k, get(k, v.data)]));
  return referenceRecurrent64(torchFixtureSpec(f), {
    x: get('x', f.x.data),
    T: f.T,
    B: f.B,
    ...(f.h0 ? { h0: get('h0', f.h0.data) } : {}),
    ...(f.c0 ? { c0: get('c0', f.c0.data) } : {}),
    ...(f.lengths ? { lengths: f.lengths } : {}),
    params,
  });
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('float64 reference against PyTorch 1.13 (torch.nn.RNN/LSTM/GRU, packed sequences)', () => {
  it('has the committed fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
  });
  for (const f of fixtures) {
    it(`${f.name}: outputs and final states match torch to 1e-12`, () => {
      const r = refOutputs(f);
      expect(maxAbs(r.output, f.output.data)).toBeLessThan(1e-12);
      expect(maxAbs(r.hN, f.h_n.data)).toBeLessThan(1e-12);
      if (f.c_n) expect(maxAbs(r.cN!, f.c_n.data)).toBeLessThan(1e-12);
    });
    it(`${f.name}: central differences of the reference match torch's autograd to 1e-7`, () => {
      // Sample coordinates of every gradient (all of them is slow for the long case).
      const loss = (o: ReturnType<typeof refOutputs>) => {
        let L = 0;
        for (const [i, v] of o.output.entries()) L += v * f.Ry.data[i];
        for (const [i, v] of o.hN.entries()) L += v * f.Rh.data[i];
        if (o.cN && f.Rc) for (const [i, v] of o.cN.entries()) L += v * f.Rc.data[i];
        return L;
      };
      const source = (name: string) => (name === 'x' ? f.x : name === 'h0' ? f.h0 : name === 'c0' ? f.c0 : f.params[name])!;
      let worst = 0;
      for (const [name, g] of Object.entries(f.grads)) {
        if (!g) continue;
        const base = Float64Array.from(source(name).data);
        const step = Math.max(1, Math.floor(base.length / 12));
        for (let i = 0; i < base.length; i += step) {
          const orig = base[i];
          base[i] = orig + 1e-6;
          const lp = loss(refOutputs(f, { name, data: base }));
          base[i] = orig - 1e-6;
          const lm = loss(refOutputs(f, { name, data: base }));
          base[i] = orig;
          worst = Math.max(worst, Math.abs((lp - lm) / 2e-6 - g.data[i]));
        }
      }
      expect(worst).toBeLessThan(1e-7);
    });
  }
});
