import { describe, expect, it } from 'vitest';
import type { EpochLog, GradientGroup, HostTensor, Model, Optimizer, StepLog } from '../src/index.js';
import {
  adam,
  crossEntropy,
  embedding,
  evaluate,
  fit,
  fitTruncated,
  gru,
  lastStep,
  linear,
  lstm,
  mse,
  Rng,
  type RnnkitError,
  rnn,
  sequential,
  sgd,
  stream,
} from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';
import { rejected as aerr } from './helpers.js';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
};
const randn = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};

/** Host copy of [B, T, F] steps [s, s + k). */
function steps(x: HostTensor, s: number, k: number): HostTensor {
  const [B, T, F] = x.shape;
  const out = new Float32Array(B * k * F);
  for (let b = 0; b < B; b++) out.set(x.data.subarray((b * T + s) * F, (b * T + s + k) * F), b * k * F);
  return { data: out, shape: [B, k, F] };
}

describe('streaming inference', () => {
  it('step by step and chunk by chunk equals one call over the whole sequence (LSTM, 2 layers)', async () => {
    const be = createReferenceBackend();
    const model = sequential([lstm({ inputSize: 3, hiddenSize: 5, numLayers: 2 }), linear({ outFeatures: 2 })], { seed: 7 }).to(be);
    const x: HostTensor = { data: randn(2 * 9 * 3, 1), shape: [2, 9, 3] };
    const h0: HostTensor = { data: randn(2 * 2 * 5, 2), shape: [2, 2, 5] };
    const c0: HostTensor = { data: randn(2 * 2 * 5, 3), shape: [2, 2, 5] };
    const full = await model.predict(x, { h0, c0 });
    for (const chunks of [[1, 1, 1, 1, 1, 1, 1, 1, 1], [2, 4, 3], [9]]) {
      const live = be.liveTensors();
      const s = stream(model, { h0, c0 });
      const got = new Float32Array(full.data.length);
      let at = 0;
      for (const k of chunks) {
        const out = await s.push(steps(x, at, k));
        for (let b = 0; b < 2; b++) got.set(out.data.subarray(b * k * 2, (b + 1) * k * 2), (b * 9 + at) * 2);
        at += k;
      }
      expect(s.position).toBe(9);
      expect(maxDiff(got, full.data)).toBeLessThan(1e-6);
      const st = await s.state();
      const pass = model.forward(x, { h0, c0 });
      expect(maxDiff(st!.h.data, await be.read(pass.states[0].hN))).toBeLessThan(1e-6);
      expect(maxDiff(st!.c!.data, await be.read(pass.states[0].cN!))).toBeLessThan(1e-6);
      pass.dispose();
      s.dispose();
      expect(be.liveTensors()).toBe(live);
    }
  });

  it('works for token models and time-major layouts, and refuses models it cannot carry', async () => {
    const be = createReferenceBackend();
    const lm = sequential([embedding({ numEmbeddings: 7, embeddingDim: 4 }), gru({ hiddenSize: 6 }), linear({ outFeatures: 7 })], { seed: 3 }).to(be);
    const ids = [1, 2, 3, 4, 5, 6, 0, 1, 2, 3];
    const full = await lm.predict({ ids, shape: [1, 10] });
    const s = stream(lm);
    const parts: number[] = [];
    for (const k of [3, 1, 6]) {
      const o = await s.push({ ids: ids.slice(parts.length / 7, parts.length / 7 + k), shape: [1, k] });
      parts.push(...o.data);
    }
    expect(maxDiff(parts, full.data)).toBeLessThan(1e-6);

    const tm = sequential([rnn({ inputSize: 2, hiddenSize: 3, batchFirst: false })], { seed: 1 }).to(be);
    const x: HostTensor = { data: randn(6 * 2 * 2, 4), shape: [6, 2, 2] }; // [T, B, F]
    const whole = await tm.predict(x);
    const ts = stream(tm);
    const a = await ts.push({ data: x.data.slice(0, 8), shape: [2, 2, 2] });
    const b = await ts.push({ data: x.data.slice(8), shape: [4, 2, 2] });
    expect(maxDiff([...a.data, ...b.data], whole.data)).toBeLessThan(1e-6);

    const bi = sequential([gru({ inputSize: 2, hiddenSize: 3, bidirectional: true })]).to(be);
    expect(() => stream(bi)).toThrow(/bidirectional/);
    const rev = sequential([gru({ inputSize: 2, hiddenSize: 3, direction: 'reverse' })]).to(be);
    expect(() => stream(rev)).toThrow(/direction: "reverse"/);
    const two = sequential([gru({ inputSize: 2, hiddenSize: 3 }), lstm({ hiddenSize: 2 })]).to(be);
    try {
      stream(two);
      throw new Error('expected a throw');
    } catch (e) {
      expect((e as RnnkitError).code).toBe('UNSUPPORTED');
    }
  });
});

/** An optimizer that records host copies of the gradients it is given and changes nothing. */
function spy(): Optimizer & { seen: Map<string, Float32Array>[] } {
  const seen: Map<string, Float32Array>[] = [];
  const pending: Promise<void>[] = [];
  return {
    name: 'sgd',
    baseLr: 1,
    stepCount: 0,
    seen,
    lr: () => 1,
    step(groups: GradientGroup | readonly GradientGroup[]) {
      const g = (Array.isArray(groups) ? groups : [groups])[0] as GradientGroup;
      const m = new Map<string, Float32Array>();
      seen.push(m);
      // The plain backend reads synchronously inside the promise, before the gradients are freed.
      for (const [k, t] of g.grads) pending.push(g.model.backend.read(t).then((v) => void m.set(k, v)));
    },
    reset() {},
    dispose() {},
  };
}

describe('truncated BPTT', () => {
  it('carries the state across chunks and stops the gradient at each chunk start', async () => {
    const be = createReferenceBackend();
    const model = sequential([gru({ inputSize: 2, hiddenSize: 4 }), linear({ outFeatures: 1 })], { seed: 11 }).to(be);
    const x: HostTensor = { data: randn(3 * 8 * 2, 5), shape: [3, 8, 2] };
    const y: HostTensor = { data: randn(3 * 8, 6), shape: [3, 8, 1] };
    const opt = spy();
    const chunkLosses: number[] = [];
    await fitTruncated(model, { x, y }, { k: 3, loss: 'mse', optimizer: opt, callbacks: { onChunkEnd: (l) => void chunkLosses.push(l.loss) } });
    expect(opt.seen.length).toBe(3); // chunks of 3, 3, 2 steps
    await new Promise((r) => setTimeout(r, 0));

    // Reference for chunk 2: forward chunk 1 from zeros, then chunk 2 from that state as a constant.
    const p1 = model.forward(steps(x, 0, 3));
    const h = await be.read(p1.states[0].hN);
    p1.dispose();
    const p2 = model.forward(steps(x, 3, 3), { h0: { data: h, shape: [1, 3, 4] }, training: true });
    const lv = mse().compute(be, p2.output, steps(y, 3, 3));
    expect((await be.read(lv.loss))[0]).toBeCloseTo(chunkLosses[1], 6);
    const g = p2.backward({ dOutput: lv.grad });
    for (const [k, t] of g.params) expect(maxDiff(opt.seen[1].get(k)!, await be.read(t))).toBeLessThan(1e-6);
    g.dispose();
    p2.dispose();

    // Full BPTT of the same chunk-2 loss differs: the truncation is real.
    const pf = model.forward(steps(x, 0, 6), { training: true });
    const out = await be.read(pf.output);
    const mask = new Float32Array(out.length);
    for (let b = 0; b < 3; b++) for (let t = 3; t < 6; t++) mask[b * 6 + t] = 1;
    const yy = steps(y, 0, 6);
    const d = be.upload(
      Float32Array.from(out, (v, i) => (mask[i] * 2 * (v - yy.data[i])) / 9),
      [3, 6, 1],
    );
    const gf = pf.backward({ dOutput: d });
    expect(maxDiff(opt.seen[1].get('0.weight_hh_l0')!, await be.read(gf.params.get('0.weight_hh_l0')!))).toBeGreaterThan(1e-4);
    gf.dispose();
    pf.dispose();
    be.dispose(d);
  });

  it('learns a delayed copy on a long stream (tbptt, k = 10)', async () => {
    const be = createReferenceBackend();
    const model = sequential([lstm({ inputSize: 1, hiddenSize: 12 }), linear({ outFeatures: 1 })], { seed: 2 }).to(be);
    const B = 8;
    const T = 200;
    const x = randn(B * T, 9);
    const yv = new Float32Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 2; t < T; t++) yv[b * T + t] = x[b * T + t - 2]; // y_t = x_{t−2}
    const h = await fitTruncated(
      model,
      { x: { data: x, shape: [B, T, 1] }, y: { data: yv, shape: [B, T, 1] } },
      { k: 10, loss: 'mse', optimizer: adam({ lr: 0.02 }), epochs: 12, maxNorm: 1 },
    );
    const first = h.epochs[0].loss;
    const last = h.epochs[h.epochs.length - 1].loss;
    expect(h.steps).toBe(12 * 20);
    expect(last).toBeLessThan(0.15 * first);
  });
});

function classificationData(N: number, seed: number) {
  // Class = whether the first input of the sequence is positive; lengths vary.
  const r = new Rng(seed);
  const T = 6;
  const x = new Float32Array(N * T);
  const lengths = new Int32Array(N);
  const y = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    lengths[n] = 2 + r.int(T - 1);
    for (let t = 0; t < lengths[n]; t++) x[n * T + t] = r.normal();
    y[n] = x[n * T] > 0 ? 1 : 0;
  }
  return { x: { data: x, shape: [N, T, 1] }, y: { ids: y, shape: [N] }, lengths };
}

const classifier = (seed = 5, dropout = 0) =>
  sequential([gru({ inputSize: 1, hiddenSize: 8, numLayers: dropout ? 2 : 1, dropout }), lastStep(), linear({ outFeatures: 2 })], { seed });

describe('fit', () => {
  it('trains with validation, metrics, callbacks per step and per epoch', async () => {
    const be = createReferenceBackend();
    const model = classifier().to(be);
    const train = classificationData(96, 1);
    const validation = classificationData(48, 2);
    const stepsSeen: StepLog[] = [];
    const epochsSeen: EpochLog[] = [];
    const live = be.liveTensors();
    const opt = adam({ lr: 0.03 });
    const h = await fit(model, train, {
      loss: 'crossEntropy',
      optimizer: opt,
      epochs: 8,
      batchSize: 16,
      validation,
      metrics: ['accuracy'],
      maxNorm: 5,
      callbacks: { onStepEnd: (s) => void stepsSeen.push(s), onEpochEnd: (e) => void epochsSeen.push(e) },
    });
    expect(h.steps).toBe(48);
    expect(stepsSeen.length).toBe(48);
    expect(stepsSeen[0]).toMatchObject({ epoch: 0, batch: 0, step: 1 });
    expect(stepsSeen[47]).toMatchObject({ epoch: 7, batch: 5, step: 48 });
    expect(stepsSeen.every((s) => Number.isFinite(s.gradNorm) && s.gradNorm > 0 && s.metrics.accuracy >= 0)).toBe(true);
    expect(epochsSeen.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const last = h.epochs[7];
    expect(last.valMetrics!.accuracy).toBeGreaterThan(0.9);
    expect(last.valLoss!).toBeLessThan(h.epochs[0].valLoss!);
    const ev = await evaluate(model, validation, { loss: 'crossEntropy', metrics: ['accuracy'] });
    expect(ev.loss).toBeCloseTo(last.valLoss!, 5);
    opt.dispose();
    expect(be.liveTensors()).toBe(live);
  });

  it('is deterministic under a seed, dropout included; dropout is off outside training', async () => {
    const run = async (seed: number) => {
      const be = createReferenceBackend();
      const model = classifier(5, 0.3).to(be);
      await fit(model, classificationData(32, 3), { loss: 'crossEntropy', optimizer: sgd({ lr: 0.1, momentum: 0.9 }), epochs: 2, batchSize: 8, seed });
      return model.stateDict();
    };
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    for (const [k, v] of a) expect(maxDiff(v, b.get(k)!)).toBe(0);
    expect([...a].some(([k, v]) => maxDiff(v, c.get(k)!) > 0)).toBe(true);

    const be = createReferenceBackend();
    const m = classifier(5, 0.5).to(be);
    const plain = sequential([gru({ inputSize: 1, hiddenSize: 8, numLayers: 2 }), lastStep(), linear({ outFeatures: 2 })], { seed: 5 }).to(be);
    const x = classificationData(4, 9).x;
    const out = async (mm: Model, o: { training?: boolean; dropoutSeed?: number }) => {
      const p = mm.forward(x, o);
      const v = await be.read(p.output);
      p.dispose();
      return v;
    };
    expect(maxDiff(await out(m, {}), await out(plain, {}))).toBe(0); // eval: no dropout
    expect(maxDiff(await out(m, { training: true, dropoutSeed: 4 }), await out(m, { training: true, dropoutSeed: 4 }))).toBe(0);
    expect(maxDiff(await out(m, { training: true, dropoutSeed: 4 }), await out(m, { training: true, dropoutSeed: 5 }))).toBeGreaterThan(1e-4);
  });

  it('backward through dropout matches finite differences with the same masks', async () => {
    const be = createReferenceBackend();
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 0.4 }), linear({ outFeatures: 1 })], { seed: 8 }).to(be);
    const x: HostTensor = { data: randn(2 * 4 * 2, 3), shape: [2, 4, 2] };
    const y: HostTensor = { data: randn(8, 4), shape: [2, 4, 1] };
    const lossAt = async (over?: [string, number, number]) => {
      const sd = await m.stateDict();
      if (over) {
        sd.get(over[0])![over[1]] += over[2];
        m.loadStateDict(sd);
      }
      const p = m.forward(x, { training: true, dropoutSeed: 77 });
      const lv = mse().compute(be, p.output, y);
      const l = (await be.read(lv.loss))[0];
      let g: Float32Array | undefined;
      if (!over) {
        const gr = p.backward({ dOutput: lv.grad });
        g = await be.read(gr.params.get('0.weight_ih_l0')!);
        gr.dispose();
      }
      be.dispose(lv.loss);
      be.dispose(lv.grad);
      p.dispose();
      if (over) {
        sd.get(over[0])![over[1]] -= over[2];
        m.loadStateDict(sd);
      }
      return { l, g };
    };
    const { g } = await lossAt();
    for (const i of [0, 5, 13]) {
      const eps = 1e-2;
      const fd = ((await lossAt(['0.weight_ih_l0', i, eps])).l - (await lossAt(['0.weight_ih_l0', i, -eps])).l) / (2 * eps);
      expect(Math.abs(fd - g![i])).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
    }
  });

  it('stops early on the monitored value and restores the best parameters', async () => {
    const be = createReferenceBackend();
    const model = classifier(6).to(be);
    const train = classificationData(32, 4);
    const validation = classificationData(32, 5);
    const snapshots: Map<string, Float32Array>[] = [];
    // A learning rate far too high makes validation loss worse after the first epochs.
    const h = await fit(model, train, {
      loss: 'crossEntropy',
      optimizer: sgd({ lr: 40 }),
      epochs: 30,
      batchSize: 8,
      validation,
      earlyStopping: { patience: 2 },
      callbacks: { onEpochEnd: async () => void snapshots.push(await model.stateDict()) },
    });
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs.length).toBe(h.bestEpoch! + 3);
    const best = h.epochs[h.bestEpoch!].valLoss!;
    expect(Math.min(...h.epochs.map((e) => e.valLoss!))).toBe(best);
    const now = await model.stateDict();
    for (const [k, v] of snapshots[h.bestEpoch!]) expect(maxDiff(now.get(k)!, v)).toBe(0);

    // A callback can stop training.
    const m2 = classifier(6).to(be);
    const h2 = await fit(m2, train, {
      loss: 'crossEntropy',
      optimizer: sgd({ lr: 0.1 }),
      epochs: 5,
      batchSize: 8,
      callbacks: { onStepEnd: (s, c) => (s.step === 3 ? c.stop() : undefined) },
    });
    expect(h2.steps).toBe(3);
    expect(h2.epochs.length).toBe(1);
  });

  it('checks its arguments before touching the model', async () => {
    const be = createReferenceBackend();
    const model = classifier().to(be);
    const before = await model.stateDict();
    const d = classificationData(8, 1);
    const opt = sgd({ lr: 0.1 });
    expect((await aerr(() => fit(model, d, { optimizer: opt }))).message).toBe(
      'loss: expected "mse", "crossEntropy" or a Loss object when training a Model, got undefined',
    );
    expect((await aerr(() => fit(model, { ...d, y: { ids: [1, 0], shape: [2] } }, { loss: 'crossEntropy', optimizer: opt }))).message).toBe(
      'data.y: expected 8 samples (as x has) in the first axis, got shape [2]',
    );
    expect((await aerr(() => fit(model, d, { loss: 'crossEntropy', optimizer: opt, batchSize: 0 }))).argument).toBe('batchSize');
    expect((await aerr(() => fit(model, { ...d, lengths: [1, 2] }, { loss: 'crossEntropy', optimizer: opt }))).code).toBe('INVALID_LENGTHS');
    expect((await aerr(() => fit(model, d, { loss: 'crossEntropy', optimizer: opt, earlyStopping: { patience: 1, monitor: 'valLoss' } }))).argument).toBe(
      'earlyStopping.monitor',
    );
    expect((await aerr(() => fit(model, d, { loss: 'mse', optimizer: opt }))).message).toBe(
      'data.y: expected float targets {data, shape: [8, 2]} for the mse loss, got class ids',
    );
    // A bad id in the last sample fails before the first step, not half way through the epoch.
    const bad = Int32Array.from(d.y.ids);
    bad[7] = 5;
    expect((await aerr(() => fit(model, { ...d, y: { ids: bad, shape: [8] } }, { loss: 'crossEntropy', optimizer: opt }))).message).toBe(
      'data.y.ids[7]: expected a class id in 0..1 or the ignore index -100, got 5',
    );
    expect((await aerr(() => fit(model, { ...d, y: { ids: new Int32Array(48), shape: [8, 6] } }, { loss: 'crossEntropy', optimizer: opt }))).message).toBe(
      "data.y: expected shape [8] (the model's output is per sequence with 2 features), got [8, 6]",
    );
    expect((await aerr(() => fit(model, d, { loss: 'crossEntropy', optimizer: opt, validation: { ...d, y: { ids: bad, shape: [8] } } }))).argument).toBe(
      'validation.y.ids[7]',
    );
    expect((await aerr(() => fit(model, d, { loss: crossEntropy(), optimizer: opt, maxNorm: -1 }))).argument).toBe('maxNorm');
    expect(await model.stateDict()).toEqual(before);
    expect(opt.stepCount).toBe(0);
  });

  it('trains time-major models from sample-first data', async () => {
    const be = createReferenceBackend();
    const model = sequential([gru({ inputSize: 1, hiddenSize: 8, batchFirst: false }), linear({ outFeatures: 2 })], { seed: 4 }).to(be);
    // Per-step tags: the sign of the current input, with padded steps masked.
    const N = 32;
    const T = 5;
    const x = randn(N * T, 12);
    const tags = Int32Array.from(x, (v) => (v > 0 ? 1 : 0));
    const lengths = Int32Array.from({ length: N }, (_, i) => 1 + (i % T));
    const h = await fit(
      model,
      { x: { data: x, shape: [N, T, 1] }, y: { ids: tags, shape: [N, T] }, lengths },
      { loss: 'crossEntropy', optimizer: adam({ lr: 0.05 }), epochs: 15, batchSize: 8, metrics: ['accuracy'] },
    );
    expect(h.epochs[14].metrics.accuracy).toBeGreaterThan(0.95);
  });
});
