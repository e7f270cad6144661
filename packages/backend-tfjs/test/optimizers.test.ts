import { fit } from '@rnnkit/core';
import { compositeAdamUpdate, compositeSgdUpdate, defineBackend } from '@rnnkit/core/backend';
import type { Backend, Tensor } from '@rnnkit/core';
import { TRAINING_TOLERANCE, compareTrainingRuns, runTrainingCase, scaledError, torchTrainingRuns, trainingConformanceCases } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import { tfjsBackendParts } from '../src/backend.js';
import type { TfjsBackend } from '../src/index.js';
import { tfjsKernels } from '../src/kernels/index.js';
import { ENGINES, backendFor, maxAbsDiff, rand, tfTensors } from './helpers.js';

/** A second backend on the same engine without the fused kernels: core's composite versions run instead. */
function withoutFused(be: TfjsBackend): Backend {
  const { recurrentForward, recurrentBackward, sgdUpdate, adamUpdate, ...primitives } = tfjsKernels;
  return defineBackend({ ...tfjsBackendParts(be.context), kernels: primitives });
}

describe.each(ENGINES)('optimizer updates on tfjs-%s', (engine) => {
  const sgdCases = [
    { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, velocity: false },
    { momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, velocity: false },
    { momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 0.01, velocity: true },
    { momentum: 0.8, dampening: 0, nesterov: true, weightDecay: 0.05, velocity: true },
  ];
  it.each(sgdCases)('sgdUpdate %o matches the composite one', async (o) => {
    const be = await backendFor(engine);
    const [live0, tf0] = [be.liveTensors(), tfTensors(be)];
    const shape = [3, 2, 4];
    const param = be.upload(rand(24, 1), shape);
    const grad = be.upload(rand(24, 2), shape);
    const velocity = o.velocity ? be.upload(rand(24, 3), shape) : undefined;
    const args = { param, grad, ...(velocity ? { velocity } : {}), lr: 0.05, momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov, weightDecay: o.weightDecay };
    const a = be.sgdUpdate(args);
    const b = compositeSgdUpdate(be, args);
    expect(a.param.shape).toEqual(shape);
    expect(maxAbsDiff(await be.read(a.param), await be.read(b.param))).toBeLessThan(1e-7);
    expect(!!a.velocity).toBe(o.momentum !== 0);
    if (a.velocity) expect(maxAbsDiff(await be.read(a.velocity), await be.read(b.velocity!))).toBeLessThan(1e-7);
    for (const t of [param, grad, velocity, a.param, a.velocity, b.param, b.velocity]) if (t) be.dispose(t as Tensor);
    expect(be.liveTensors()).toBe(live0);
    expect(tfTensors(be)).toBe(tf0);
  });

  it.each([
    { weightDecay: 0, decoupled: false, step: 1 },
    { weightDecay: 0.01, decoupled: false, step: 3 },
    { weightDecay: 0.01, decoupled: true, step: 10 },
  ])('adamUpdate %o matches the composite one', async (o) => {
    const be = await backendFor(engine);
    const [live0, tf0] = [be.liveTensors(), tfTensors(be)];
    const shape = [5, 3];
    const up = (s: number, f = (x: number) => x) => be.upload(rand(15, s).map(f), shape);
    const [param, grad, m, v] = [up(1), up(2), up(3, (x) => 0.1 * x), up(4, (x) => 0.01 * x * x)];
    const args = { param, grad, m, v, step: o.step, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: o.weightDecay, decoupled: o.decoupled };
    const a = be.adamUpdate(args);
    const b = compositeAdamUpdate(be, args);
    for (const k of ['param', 'm', 'v'] as const) {
      expect(a[k].shape).toEqual(shape);
      expect(maxAbsDiff(await be.read(a[k]), await be.read(b[k])), k).toBeLessThan(1e-7);
    }
    for (const t of [param, grad, m, v, a.param, a.m, a.v, b.param, b.m, b.v]) be.dispose(t);
    expect(be.liveTensors()).toBe(live0);
    expect(tfTensors(be)).toBe(tf0);
  });

  it('bad optimizer arguments name the argument', async () => {
    const be = await backendFor(engine);
    const p = be.upload(rand(6, 1), [2, 3]);
    const g = be.upload(rand(6, 2), [3, 2]);
    const base = { param: p, grad: p, lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 };
    expect(() => be.sgdUpdate({ ...base, grad: g })).toThrow('sgdUpdate: grad: expected shape [2, 3] (the shape of param), got [3, 2]');
    expect(() => be.sgdUpdate({ ...base, lr: Number.NaN })).toThrow('sgdUpdate: lr: expected a finite number, got NaN');
    expect(() => be.adamUpdate({ param: p, grad: p, m: p, v: p, step: 0, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false })).toThrow(
      'adamUpdate: step: expected an integer ≥ 1, got 0',
    );
    be.dispose(p);
    be.dispose(g);
  });
});

describe.each(ENGINES)('training conformance (core/testing) on tfjs-%s', (engine) => {
  for (const c of trainingConformanceCases()) {
    it(c.name, async () => {
      const be = await backendFor(engine);
      const tf0 = tfTensors(be);
      const fused = await runTrainingCase(be, c);
      const composite = await runTrainingCase(withoutFused(be), c);
      expect(fused.leakedTensors).toBe(0);
      expect(composite.leakedTensors).toBe(0);
      const d = compareTrainingRuns(fused, composite);
      expect(d.paramError, d.worst).toBeLessThan(TRAINING_TOLERANCE);
      expect(d.lossError).toBeLessThan(TRAINING_TOLERANCE);
      expect(fused.losses.every(Number.isFinite)).toBe(true);
      expect(tfTensors(be)).toBe(tf0);
    });
  }

  it('the committed PyTorch training runs replay', async () => {
    const be = await backendFor(engine);
    const runs = torchTrainingRuns();
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) {
      const b = r.build();
      b.model.to(be);
      const losses: number[] = [];
      await fit(b.model, b.data, {
        loss: b.loss,
        optimizer: b.optimizer,
        epochs: b.epochs,
        batchSize: 1024,
        ...(b.maxNorm ? { maxNorm: b.maxNorm } : {}),
        ...(b.clipValue ? { clipValue: b.clipValue } : {}),
        callbacks: { onStepEnd: (s) => void losses.push(s.loss) },
      });
      expect(scaledError(losses, r.losses)).toBeLessThan(1e-5);
      const sd = await b.model.stateDict();
      for (const [k, v] of r.final) expect(scaledError(sd.get(k)!, v), k).toBeLessThan(1e-5);
      b.model.dispose();
      b.optimizer.dispose();
    }
  });
});
