import { describe, expect, it } from 'vitest';
import {
  compareTrainingRuns,
  createReferenceBackend,
  refTensor,
  replayTorchRun,
  runTrainingCase,
  TRAINING_TOLERANCE,
  torchTrainingRuns,
  trainingConformanceCases,
} from '../src/testing/index.js';

/** The reference backend with fused optimizer updates written as single loops, as a backend would. */
function fusedReference() {
  const calls = { sgd: 0, adam: 0 };
  const be = createReferenceBackend({
    fused: {
      sgdUpdate(_, a) {
        calls.sgd++;
        const p = a.param.data;
        const g = a.grad.data;
        const v0 = a.velocity?.data;
        const np = new Float32Array(p.length);
        const nv = new Float32Array(p.length);
        for (let i = 0; i < p.length; i++) {
          let d = g[i] + a.weightDecay * p[i];
          if (a.momentum !== 0) {
            nv[i] = v0 ? a.momentum * v0[i] + (1 - a.dampening) * d : d;
            d = a.nesterov ? d + a.momentum * nv[i] : nv[i];
          }
          np[i] = p[i] - a.lr * d;
        }
        return { param: refTensor(np, a.param.shape), ...(a.momentum !== 0 ? { velocity: refTensor(nv, a.param.shape) } : {}) };
      },
      adamUpdate(_, a) {
        calls.adam++;
        const p = a.param.data;
        const g = a.grad.data;
        const m0 = a.m.data;
        const v0 = a.v.data;
        const [np, m, v] = [new Float32Array(p.length), new Float32Array(p.length), new Float32Array(p.length)];
        const bc1 = 1 - a.beta1 ** a.step;
        const bc2 = 1 - a.beta2 ** a.step;
        for (let i = 0; i < p.length; i++) {
          let pi = p[i];
          let gi = g[i];
          if (a.decoupled) pi *= 1 - a.lr * a.weightDecay;
          else gi += a.weightDecay * pi;
          m[i] = a.beta1 * m0[i] + (1 - a.beta1) * gi;
          v[i] = a.beta2 * v0[i] + (1 - a.beta2) * gi * gi;
          np[i] = pi - (a.lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + a.eps));
        }
        return { param: refTensor(np, a.param.shape), m: refTensor(m, a.param.shape), v: refTensor(v, a.param.shape) };
      },
    },
  });
  return { be, calls };
}

describe('training conformance cases', () => {
  for (const c of trainingConformanceCases()) {
    it(c.name, async () => {
      const composite = await runTrainingCase(createReferenceBackend(), c);
      const again = await runTrainingCase(createReferenceBackend(), c);
      const { be: fusedBe, calls } = fusedReference();
      const fused = await runTrainingCase(fusedBe, c);
      expect(composite.leakedTensors).toBe(0);
      expect(fused.leakedTensors).toBe(0);
      expect(calls.sgd + calls.adam).toBeGreaterThan(0); // the fused hook ran
      expect(compareTrainingRuns(composite, again)).toEqual({ paramError: 0, lossError: 0, worst: '' });
      const d = compareTrainingRuns(composite, fused);
      expect(d.paramError).toBeLessThan(TRAINING_TOLERANCE);
      expect(d.lossError).toBeLessThan(TRAINING_TOLERANCE);
      expect(composite.losses.length).toBe(c.epochs * Math.ceil(c.data.x.shape[0] / c.batchSize));
      expect(composite.losses.every(Number.isFinite)).toBe(true);
    });
  }

  it('the committed PyTorch runs replay on the reference backend', async () => {
    const runs = torchTrainingRuns();
    expect(runs.length).toBe(2);
    for (const r of runs) {
      const d = await replayTorchRun(createReferenceBackend(), r);
      expect(d.lossError, r.name).toBeLessThan(1e-5);
      expect(d.paramError, `${r.name}: ${d.worstParam}`).toBeLessThan(1e-5);
    }
  });
});
