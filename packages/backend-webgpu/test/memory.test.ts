import type { RecurrentSpec, Tensor } from '@rnnkit/core';
import { initParams, Rng, recurrentParams } from '@rnnkit/core';
import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '@rnnkit/core/backend';
import type { CellVariant } from '@rnnkit/core/testing';
import { compositeOnly, randomArray, variantSpec } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { noGpuErrors, requireAdapterInCi, startBackend } from './helpers.js';

const started = await startBackend();
requireAdapterInCi(started);
const be = started.be!;
afterAll(() => be?.destroy());

/** A cell variant as two bidirectional layers (D = 3, H = 5). */
const spec = (v: CellVariant): RecurrentSpec => variantSpec(v, { hiddenSize: 5, numLayers: 2, bidirectional: true });

describe.skipIf(!be)('buffer pool', () => {
  it('live GPU buffers and tensors are back at baseline after 1,000 training steps; the pool stops growing', async () => {
    const specs = [spec('lstm'), spec('gru'), spec('gru_reset_before'), spec('rnn_tanh')];
    // Parameters live across steps, like a model's.
    const params = specs.map((s) => {
      const m = new Map<string, Tensor>();
      for (const [name, data] of initParams(recurrentParams(s), 1)) m.set(name, be.upload(data, recurrentParams(s).find((p) => p.name === name)!.shape));
      return m;
    });
    const rng = new Rng(3);
    const B = 3;
    const T = 4;
    const baseTensors = be.liveTensors();
    const baseBuffers = be.liveGpuBuffers();
    let allocatedAfterWarmup = 0;
    let allocatedAtEnd = 0;
    await noGpuErrors(be, async () => {
      for (let step = 0; step < 1000; step++) {
        const k = step % specs.length;
        const s = specs[k];
        const x = be.upload(randomArray(rng, B * T * 3), [B, T, 3]);
        const lengths = Int32Array.of(T, 1 + (step % T), 2);
        const out = runRecurrent(be, s, params[k], x, { lengths, training: true });
        const dOutput = be.fill([...out.output.shape], 0.1);
        const g = backpropRecurrent(be, s, out.cache!, { dOutput });
        disposeRecurrentCache(out.cache!);
        // An SGD step on the device replaces each parameter.
        for (const [name, grad] of g.grads) {
          const p = params[k].get(name)!;
          const r = be.sgdUpdate({ param: p, grad, lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
          params[k].set(name, r.param);
          be.dispose(p);
          be.dispose(grad);
        }
        for (const t of [x, dOutput, out.output, out.hN, out.cN, g.dx, g.dh0, g.dc0]) if (t) be.dispose(t);
        if (step % 100 === 99) {
          await be.sync(); // surfaces any device error
          expect(be.liveTensors()).toBe(baseTensors);
          expect(be.liveGpuBuffers()).toBe(baseBuffers);
        }
        if (step === 19) allocatedAfterWarmup = be.gpuBuffers().allocated;
      }
      allocatedAtEnd = be.gpuBuffers().allocated;
      // Results are still right after all that reuse.
      const probe = be.upload(Float32Array.of(1, 2, 3), [3]);
      expect(Array.from(await be.read(be.affine(probe, 2, 1)))).toEqual([3, 5, 7]);
    });
    expect(be.liveTensors()).toBe(baseTensors + 2);
    // Every step after the first few is served from the free lists.
    expect(allocatedAtEnd).toBe(allocatedAfterWarmup);
    be.trimPool();
    expect(be.gpuBuffers().pooled).toBe(0);
    expect(be.gpuBuffers().allocated).toBe(be.liveGpuBuffers());
  }, 600_000);

  it('reshape views share storage: the buffer returns when the last view goes', () => {
    const inUse = be.liveGpuBuffers();
    const t = be.zeros([4, 6]);
    const v1 = be.reshape(t, [24]);
    const v2 = be.reshape(v1, [2, 12]);
    expect(be.liveGpuBuffers()).toBe(inUse + 1);
    be.dispose(t);
    be.dispose(v1);
    expect(be.liveGpuBuffers()).toBe(inUse + 1);
    be.dispose(v2);
    expect(be.liveGpuBuffers()).toBe(inUse);
  });

  it('a saved forward holds its buffers until disposed (twice is fine)', () => {
    const s = spec('lstm');
    const ps = new Map<string, Tensor>();
    for (const [name, data] of initParams(recurrentParams(s), 2)) ps.set(name, be.upload(data, recurrentParams(s).find((p) => p.name === name)!.shape));
    const inUse = be.liveGpuBuffers();
    const x = be.zeros([2, 3, 3]);
    const out = runRecurrent(be, s, ps, x, { training: true });
    expect(be.liveGpuBuffers()).toBeGreaterThan(inUse + 3);
    disposeRecurrentCache(out.cache!);
    for (const t of [x, out.output, out.hN, out.cN!]) be.dispose(t);
    expect(be.liveGpuBuffers()).toBe(inUse);
    for (const t of ps.values()) be.dispose(t);
  });

  it('repeating the same ops reuses the same buffers and bind groups (none made after the first run)', async () => {
    const s = spec('gru_reset_before');
    const ps = new Map<string, Tensor>();
    for (const [name, data] of initParams(recurrentParams(s), 4)) ps.set(name, be.upload(data, recurrentParams(s).find((p) => p.name === name)!.shape));
    const x = be.upload(randomArray(new Rng(5), 2 * 3 * 3), [2, 3, 3]);
    // Core's composite kernels: hundreds of primitive calls per pass.
    const pass = () => {
      const out = runRecurrent(compositeOnly(be), s, ps, x, { training: true, lengths: Int32Array.of(3, 2) });
      const dOutput = be.fill([...out.output.shape], 1);
      const g = backpropRecurrent(compositeOnly(be), s, out.cache!, { dOutput });
      disposeRecurrentCache(out.cache!);
      for (const t of [dOutput, out.output, out.hN, g.dx, g.dh0, ...g.grads.values()]) if (t) be.dispose(t);
    };
    const device = be.device as GPUDevice & { createBindGroup: GPUDevice['createBindGroup'] };
    const create = device.createBindGroup;
    let made = 0;
    device.createBindGroup = (d) => {
      made++;
      return create.call(device, d);
    };
    try {
      const counts: number[] = [];
      for (let i = 0; i < 4; i++) {
        made = 0;
        pass();
        counts.push(made);
      }
      expect(counts[0]).toBeGreaterThan(50);
      expect(counts.slice(1)).toEqual([0, 0, 0]);
    } finally {
      device.createBindGroup = create;
    }
    await be.sync();
    for (const t of [x, ...ps.values()]) be.dispose(t);
  });
});
