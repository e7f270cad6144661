import { describe, expect, it } from 'vitest';
import type { FitProgress } from '../src/index.js';
import { adam, adamw, fit, gru, linear, Rng, RnnkitError, sequential, sgd } from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';

/** fit's progress callback, its AbortSignal, and the optimizers' default learning rates (issue #15, item 7). */
const randn = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};
const data = { x: { data: randn(10 * 3 * 2, 1), shape: [10, 3, 2] }, y: { data: randn(10 * 3 * 1, 2), shape: [10, 3, 1] } };
const model = () => sequential([gru({ inputSize: 2, hiddenSize: 4 }), linear({ outFeatures: 1 })], { seed: 3 }).to(createReferenceBackend());

describe('fit progress', () => {
  it('reports step, total, epoch, loss and ETA after every step', async () => {
    const seen: FitProgress[] = [];
    const h = await fit(model(), data, { loss: 'mse', optimizer: adam(), epochs: 3, batchSize: 4, callbacks: { onProgress: (p) => void seen.push(p) } });
    expect(h.stopped).toBe('completed');
    expect(seen.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.every((p) => p.totalSteps === 9 && p.batchesPerEpoch === 3 && p.epochs === 3)).toBe(true);
    expect(seen.map((p) => p.epoch)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(seen.map((p) => p.batch)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(seen.every((p) => Number.isFinite(p.loss) && p.elapsedSeconds >= 0 && p.etaSeconds >= 0)).toBe(true);
    expect(seen[8].etaSeconds).toBe(0);
    // ETA is the mean time per step × the steps left.
    const p = seen[4];
    expect(p.etaSeconds).toBeCloseTo((p.elapsedSeconds / 5) * 4, 10);
  });

  it('an async onProgress is awaited before the next step', async () => {
    const order: string[] = [];
    await fit(model(), data, {
      loss: 'mse',
      optimizer: adam(),
      batchSize: 5,
      callbacks: {
        onStepEnd: (l) => void order.push(`step ${l.step}`),
        onProgress: async (p) => {
          await new Promise((r) => setTimeout(r, 5));
          order.push(`progress ${p.step}`);
        },
      },
    });
    expect(order).toEqual(['step 1', 'progress 1', 'step 2', 'progress 2']);
  });
});

describe('fit with an AbortSignal', () => {
  it('stops between steps and resolves with stopped: "aborted"; the model and optimizer stay consistent', async () => {
    const m = model();
    const opt = adam({ lr: 0.01 });
    const ac = new AbortController();
    const h = await fit(m, data, {
      loss: 'mse',
      optimizer: opt,
      epochs: 5,
      batchSize: 4,
      signal: ac.signal,
      callbacks: { onProgress: (p) => void (p.step === 4 ? ac.abort() : undefined) },
    });
    expect(h.stopped).toBe('aborted');
    expect(h.steps).toBe(4);
    // Epoch 0 finished (3 steps); epoch 1 was cut after its first step and is not logged.
    expect(h.epochs.map((e) => e.epoch)).toEqual([0]);
    // The lock is released: the model trains on with the same optimizer.
    const again = await fit(m, data, { loss: 'mse', optimizer: opt, epochs: 1, batchSize: 4 });
    expect(again.stopped).toBe('completed');
  });

  it('an abort leaves exactly the parameters of the steps that ran', async () => {
    const run = async (abortAt: number | undefined, epochs: number) => {
      const m = model();
      const ac = new AbortController();
      await fit(m, data, {
        loss: 'mse',
        optimizer: sgd({ lr: 0.1 }),
        epochs,
        batchSize: 5,
        shuffle: false,
        signal: ac.signal,
        callbacks: { onProgress: (p) => void (p.step === abortAt ? ac.abort() : undefined) },
      });
      return m.stateDict();
    };
    const aborted = await run(2, 3); // 2 steps of 6
    const oneEpoch = await run(undefined, 1); // the same 2 steps
    for (const [k, v] of oneEpoch) expect(Array.from(aborted.get(k)!)).toEqual(Array.from(v));
  });

  it('an already-aborted signal runs no step; a non-signal is refused', async () => {
    const m = model();
    const before = await m.stateDict();
    const h = await fit(m, data, { loss: 'mse', optimizer: adam(), signal: AbortSignal.abort() });
    expect(h).toMatchObject({ stopped: 'aborted', steps: 0, epochs: [] });
    for (const [k, v] of await m.stateDict()) expect(Array.from(v)).toEqual(Array.from(before.get(k)!));
    const e = await fit(m, data, { loss: 'mse', optimizer: adam(), signal: { aborted: false } as never }).catch((x) => x);
    expect(e).toBeInstanceOf(RnnkitError);
    expect(e.argument).toBe('signal');
  });

  it('stop() from a callback and early stopping say so in stopped', async () => {
    const byCallback = await fit(model(), data, { loss: 'mse', optimizer: adam(), epochs: 3, callbacks: { onEpochEnd: (_l, c) => c.stop() } });
    expect(byCallback.stopped).toBe('callback');
    const early = await fit(model(), data, { loss: 'mse', optimizer: sgd({ lr: 1e-9 }), epochs: 10, earlyStopping: { patience: 1, minDelta: 1 } });
    expect(early).toMatchObject({ stopped: 'earlyStopping', stoppedEarly: true });
  });
});

describe('default learning rates (PyTorch / Keras)', () => {
  it('adam and adamw default to 1e-3 (both), sgd to 0.01 (Keras; PyTorch 1.13 has none)', () => {
    expect(adam().lr()).toBe(1e-3);
    expect(adamw().lr()).toBe(1e-3);
    expect(sgd().lr()).toBe(0.01);
    expect(sgd({ momentum: 0.9 }).lr()).toBe(0.01);
    expect(() => adam({ lr: -1 })).toThrow(/lr: expected a positive finite number, got -1/);
  });
});
