import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Backend, Optimizer, Tensor } from '../src/index.js';
import {
  adam,
  adamw,
  clipGradients,
  cosineWithWarmup,
  crossEntropy,
  embedding,
  gru,
  lastStep,
  linear,
  lstm,
  mse,
  sequential,
  sgd,
  stepDecay,
} from '../src/index.js';
import { createReferenceBackend, refTensor } from '../src/testing/index.js';
import { rejected as aerr, thrown as err } from './helpers.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/training/torch_training.json', import.meta.url), 'utf8'));
const f32 = (a: number[]) => Float32Array.from(a);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
};

function makeOptimizer(o: Record<string, unknown>, schedule?: Record<string, number | string> | null): Optimizer {
  const sch = !schedule
    ? undefined
    : schedule.kind === 'step'
      ? stepDecay({ stepSize: schedule.step_size as number, gamma: schedule.gamma as number })
      : cosineWithWarmup({ warmupSteps: schedule.warmup as number, totalSteps: schedule.total as number, minFactor: schedule.min_factor as number });
  const base = { lr: o.lr as number, ...(o.weight_decay !== undefined ? { weightDecay: o.weight_decay as number } : {}), ...(sch ? { schedule: sch } : {}) };
  if (o.kind === 'sgd')
    return sgd({ ...base, momentum: (o.momentum as number) ?? 0, dampening: (o.dampening as number) ?? 0, nesterov: (o.nesterov as boolean) ?? false });
  const extra = { ...(o.betas ? { betas: o.betas as [number, number] } : {}), ...(o.eps !== undefined ? { eps: o.eps as number } : {}) };
  return o.kind === 'adam' ? adam({ ...base, ...extra }) : adamw({ ...base, ...extra });
}

describe('optimizers match torch.optim step by step', () => {
  const F = fixture.optimizers;
  for (const c of F.cases) {
    it(c.name, async () => {
      const be = createReferenceBackend();
      const model = sequential([linear({ inFeatures: 3, outFeatures: 2 })]).to(be);
      model.loadStateDict(
        new Map([
          ['0.weight', f32(F.weight0)],
          ['0.bias', f32(F.bias0)],
        ]),
      );
      const opt = makeOptimizer(c.optimizer, c.schedule);
      const live = be.liveTensors();
      for (let s = 0; s < F.grads.length; s++) {
        const grads = new Map<string, Tensor>([
          ['0.weight', be.upload(f32(F.grads[s].weight), [2, 3])],
          ['0.bias', be.upload(f32(F.grads[s].bias), [2])],
        ]);
        const { norm } = await clipGradients(be, [grads], {
          ...(c.clip?.max_norm ? { maxNorm: c.clip.max_norm } : {}),
          ...(c.clip?.clip_value ? { clipValue: c.clip.clip_value } : {}),
        });
        if (c.steps[s].norm !== undefined) expect(Math.abs(norm - c.steps[s].norm)).toBeLessThan(1e-5);
        opt.step({ model, grads });
        for (const t of grads.values()) be.dispose(t);
        const sd = await model.stateDict();
        expect(maxDiff(sd.get('0.weight')!, c.steps[s].weight)).toBeLessThan(2e-6);
        expect(maxDiff(sd.get('0.bias')!, c.steps[s].bias)).toBeLessThan(2e-6);
      }
      expect(opt.stepCount).toBe(5);
      opt.dispose();
      expect(be.liveTensors()).toBe(live);
    });
  }

  it('rejects bad options and bad gradients without changing anything', async () => {
    expect(err(() => sgd({ lr: -1 })).message).toBe('lr: expected a positive finite number, got -1');
    expect(err(() => sgd({ lr: 0.1, momentum: 0, nesterov: true })).argument).toBe('nesterov');
    expect(err(() => adam({ lr: 0.1, betas: [0.9, 1] })).argument).toBe('betas[1]');
    expect(err(() => cosineWithWarmup({ warmupSteps: 10, totalSteps: 10 })).argument).toBe('warmupSteps');
    const be = createReferenceBackend();
    const model = sequential([linear({ inFeatures: 3, outFeatures: 2 })], { seed: 3 }).to(be);
    const before = await model.stateDict();
    const opt = sgd({ lr: 0.1 });
    const g = be.zeros([3, 2]);
    const e = err(() => opt.step({ model, grads: new Map([['0.weight', g]]) }));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toBe("groups[0].grads.0.weight: expected shape [2, 3] (the parameter's), got [3, 2]");
    expect(err(() => opt.step({ model, grads: new Map([['nope', g]]) })).code).toBe('INVALID_ARGUMENT');
    expect(await model.stateDict()).toEqual(before);
    expect(opt.stepCount).toBe(0);
  });
});

describe('schedules', () => {
  it('step decay and cosine with warm-up', () => {
    const s = stepDecay({ stepSize: 3, gamma: 0.5 });
    expect([0, 2, 3, 6].map(s)).toEqual([1, 1, 0.5, 0.25]);
    const c = cosineWithWarmup({ warmupSteps: 4, totalSteps: 14, minFactor: 0.1 });
    expect(c(0)).toBeCloseTo(0.25);
    expect(c(3)).toBeCloseTo(1);
    expect(c(4)).toBeCloseTo(1);
    expect(c(9)).toBeCloseTo(0.55);
    expect(c(14)).toBeCloseTo(0.1);
    expect(c(100)).toBeCloseTo(0.1);
  });
});

describe('losses', () => {
  const be = createReferenceBackend();
  it('mse masks padded steps out of the sum and the count', async () => {
    // output [B=2, T=3, F=2], lengths [3, 1]: 4 valid rows, 8 elements.
    const out = be.upload(
      Float32Array.from({ length: 12 }, (_, i) => i / 4),
      [2, 3, 2],
    );
    const y = Float32Array.from({ length: 12 }, (_, i) => (i % 3) - 1);
    const r = mse().compute(be, out, { data: y, shape: [2, 3, 2] }, { lengths: Int32Array.from([3, 1]) });
    const o = await be.read(out);
    const valid = [0, 1, 2, 3, 4, 5, 6, 7];
    let want = 0;
    for (const i of valid) want += (o[i] - y[i]) ** 2;
    expect((await be.read(r.loss))[0]).toBeCloseTo(want / 8, 6);
    const g = await be.read(r.grad);
    for (let i = 0; i < 12; i++) expect(g[i]).toBeCloseTo(valid.includes(i) ? (2 * (o[i] - y[i])) / 8 : 0, 6);
    expect(r.weight).toBe(8);
    expect(r.grad.shape).toEqual([2, 3, 2]);
    // Time-major: the same mask follows the layout.
    const tm = mse().compute(
      be,
      be.upload(new Float32Array(12), [3, 2, 2]),
      { data: new Float32Array(12).fill(1), shape: [3, 2, 2] },
      { lengths: Int32Array.from([3, 1]), batchFirst: false },
    );
    expect(tm.weight).toBe(8);
    expect([...(await be.read(tm.grad))].map((v) => (v === 0 ? 0 : 1))).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
  });

  it("mse uses a backend's fused squaredErrorGrad when nothing is masked, with the composite's results and no leaks", async () => {
    let calls = 0;
    // The reference backend plus a fused pass written as one loop, as a backend would.
    const fused = createReferenceBackend({
      fused: {
        squaredErrorGrad(_, o, t, s) {
          calls++;
          const grad = new Float32Array(o.data.length);
          let acc = 0;
          for (let i = 0; i < grad.length; i++) {
            const d = Math.fround(o.data[i] - t.data[i]); // as sub would round it
            acc += d * d;
            grad[i] = d * s;
          }
          return { sumSquares: refTensor(Float32Array.of(acc), [1]), grad: refTensor(grad, o.shape) };
        },
      },
    });
    const plain = createReferenceBackend();
    const data = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const y = { data: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), shape: [2, 3, 2] };
    const out = fused.upload(data, [2, 3, 2]);
    const before = fused.liveTensors();
    const a = mse().compute(fused, out, y);
    expect(calls).toBe(1);
    const b = mse().compute(plain, plain.upload(data, [2, 3, 2]), y);
    expect(await fused.read(a.loss)).toEqual(await plain.read(b.loss));
    expect(await fused.read(a.grad)).toEqual(await plain.read(b.grad));
    expect(a.grad.shape).toEqual([2, 3, 2]);
    const m = mse().compute(fused, out, y, { lengths: Int32Array.from([3, 1]) }); // masked: the composite path
    expect(calls).toBe(1);
    for (const t of [a.loss, a.grad, m.loss, m.grad]) fused.dispose(t);
    expect(fused.liveTensors()).toBe(before);
  });

  it('cross-entropy per step and per sequence, with lengths and an ignore index', async () => {
    const logits = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i));
    const out = be.upload(logits, [2, 3, 4]);
    const ids = [0, 3, -100, 2, 1, 1]; // sequence 1 has length 2, so its last step is padding
    const lengths = Int32Array.from([3, 2]);
    const rowLoss = (r: number) => {
      const row = logits.subarray(r * 4, r * 4 + 4);
      const mx = Math.max(...row);
      return mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0)) - row[ids[r]];
    };
    const counted = [0, 1, 3, 4];
    const total = counted.reduce((s, r) => s + rowLoss(r), 0);
    const mean = crossEntropy().compute(be, out, { ids, shape: [2, 3] }, { lengths });
    expect((await be.read(mean.loss))[0]).toBeCloseTo(total / 4, 5);
    expect(mean.weight).toBe(4);
    const g = await be.read(mean.grad);
    expect(maxDiff(g.subarray(8, 12), [0, 0, 0, 0])).toBe(0); // ignored
    expect(maxDiff(g.subarray(20, 24), [0, 0, 0, 0])).toBe(0); // padded
    const seq = crossEntropy({ reduction: 'sequence' }).compute(be, out, { ids, shape: [2, 3] }, { lengths });
    expect((await be.read(seq.loss))[0]).toBeCloseTo(total / 2, 5);
    const sum = crossEntropy({ reduction: 'sum' }).compute(be, out, { ids, shape: [2, 3] }, { lengths });
    expect((await be.read(sum.loss))[0]).toBeCloseTo(total, 5);
    // Many-to-one: one class per sequence.
    const one = crossEntropy().compute(be, be.upload(logits.slice(0, 8), [2, 4]), { ids: [1, 2], shape: [2] });
    expect(one.weight).toBe(2);
    // Padded targets may hold anything; real ones must be class ids.
    expect(() => crossEntropy().compute(be, out, { ids: [0, 3, -100, 2, 1, 99], shape: [2, 3] }, { lengths })).not.toThrow();
    const e = err(() => crossEntropy().compute(be, out, { ids: [0, 3, 7, 2, 1, 1], shape: [2, 3] }));
    expect(e.message).toBe('target.ids[2]: expected a class id in 0..3 or the ignore index -100, got 7');
    expect(err(() => crossEntropy().compute(be, out, { ids: [0, 1], shape: [2] })).code).toBe('SHAPE_MISMATCH');
    expect(err(() => mse().compute(be, out, { ids: [0, 1], shape: [2] })).code).toBe('INVALID_ARGUMENT');
  });
});

describe('whole training steps match PyTorch', () => {
  for (const c of fixture.models) {
    it(c.name, async () => {
      const { fit } = await import('../src/index.js');
      const be: Backend = createReferenceBackend();
      const model = c.name.startsWith('lstm')
        ? sequential([embedding({ numEmbeddings: 6, embeddingDim: 3 }), lstm({ hiddenSize: 4 }), linear({ outFeatures: 5 })])
        : sequential([gru({ inputSize: 2, hiddenSize: 3, numLayers: 2 }), lastStep(), linear({ outFeatures: 2 })]);
      model.loadStateDict(new Map(Object.entries(c.init as Record<string, number[]>).map(([k, v]) => [k, f32(v)])));
      model.to(be);
      const opt = makeOptimizer(c.optimizer);
      const losses: number[] = [];
      const norms: number[] = [];
      const data = c.x.ids
        ? { x: { ids: c.x.ids, shape: c.x.shape }, y: { ids: c.y.ids, shape: c.y.shape }, lengths: c.lengths }
        : { x: { data: f32(c.x.data), shape: c.x.shape }, y: { data: f32(c.y.data), shape: c.y.shape }, lengths: c.lengths };
      const live = be.liveTensors();
      await fit(model, data, {
        loss: c.x.ids ? 'crossEntropy' : 'mse',
        optimizer: opt,
        epochs: c.steps.length,
        batchSize: 64,
        shuffle: false,
        ...(c.maxNorm ? { maxNorm: c.maxNorm } : {}),
        ...(c.clipValue ? { clipValue: c.clipValue } : {}),
        callbacks: {
          onStepEnd: (log) => {
            losses.push(log.loss);
            norms.push(log.gradNorm);
          },
        },
      });
      opt.dispose(); // its momentum / moment buffers
      expect(be.liveTensors()).toBe(live);
      c.steps.forEach((s: { loss: number; norm?: number }, i: number) => {
        expect(Math.abs(losses[i] - s.loss)).toBeLessThan(1e-5);
        if (s.norm !== undefined) expect(Math.abs(norms[i] - s.norm)).toBeLessThan(1e-5);
      });
      const sd = await model.stateDict();
      for (const [k, v] of Object.entries(c.final as Record<string, number[]>)) expect(maxDiff(sd.get(k)!, v)).toBeLessThan(1e-5);
    });
  }
});

describe('clipping', () => {
  it('reports the global norm before clipping, clips by norm and by value', async () => {
    const be = createReferenceBackend();
    const a = new Map([['a', be.upload(Float32Array.of(3, 0), [2])]]);
    const b = new Map([['b', be.upload(Float32Array.of(0, 4, 0), [1, 3])]]);
    const r = await clipGradients(be, [a, b], { maxNorm: 1 });
    expect(r.norm).toBeCloseTo(5, 6);
    expect(r.clipped).toBe(true);
    expect([...(await be.read(a.get('a')!))].map((v) => +v.toFixed(5))).toEqual([0.6, 0]);
    expect(b.get('b')!.shape).toEqual([1, 3]);
    const v = await clipGradients(be, [a, b], { clipValue: 0.5 });
    expect(v.norm).toBeCloseTo(1, 5);
    expect([...(await be.read(b.get('b')!))].map((x) => +x.toFixed(5))).toEqual([0, 0.5, 0]);
    const live = be.liveTensors();
    expect((await clipGradients(be, [a], { maxNorm: 10 })).clipped).toBe(false);
    expect(be.liveTensors()).toBe(live);
    expect((await aerr(() => clipGradients(be, [a], { maxNorm: 0 }))).message).toBe('maxNorm: expected a positive finite number, got 0');
  });
});
