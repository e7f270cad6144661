import type { RecurrentSpec, Tensor } from '@rnnkit/core';
import { initParams, Rng, recurrentParams } from '@rnnkit/core';
import type { RecurrentForwardArgs } from '@rnnkit/core/backend';
import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '@rnnkit/core/backend';
import type { RecurrentKernelShape, RecurrentKernelVariant } from '@rnnkit/core/testing';
import {
  checkClose,
  compareRecurrentKernels,
  randomArray,
  recurrentKernelArgs,
  recurrentKernelCases,
  RECURRENT_KERNEL_VARIANTS as VARIANTS,
} from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebgpuBackend, type WebgpuBackend } from '../src/index.js';
import { noGpuErrors, requireAdapterInCi, startBackend } from './helpers.js';

const started = await startBackend();
requireAdapterInCi(started);
const be = started.be!;
/** The same device work with each recurrent path forced (the auto choice is `be`). */
const paths = be
  ? { step: await createWebgpuBackend({ recurrentPath: 'step' }), sequence: await createWebgpuBackend({ recurrentPath: 'sequence' }) }
  : undefined;
afterAll(() => {
  be?.destroy();
  paths?.step.destroy();
  paths?.sequence.destroy();
});

/** Beyond the kit's standard kernel cases: T = B = H = 1, and sizes past a step kernel's workgroup and a GEMM tile. */
const WEBGPU_SHAPES = [
  { name: 'T = 1, B = 1, H = 1', shape: { T: 1, B: 1, D: 2, H: 1 } },
  { name: 'wider than a tile (H = 70, B = 11, T·B = 132)', shape: { T: 12, B: 11, D: 9, H: 70, lengths: [12, 3, 7, 12, 1, 9, 12, 5, 2, 11, 12] } },
];

/** The path the backend must have taken for `direction` at this case's sizes. */
function expectedPath(pb: WebgpuBackend, direction: 'forward' | 'backward', args: RecurrentForwardArgs) {
  const B = args.x.shape[1];
  const H = args.weightHh.shape[1];
  return pb.recurrentPath === 'auto' ? pb.recurrentPlan(direction, args.cell, args.gruResetAfter, B, H).path : pb.recurrentPath;
}

for (const path of ['step', 'sequence'] as const) {
  describe.skipIf(!be)(`fused WGSL recurrent kernels (${path} path) match core composite kernels on the same device`, () => {
    for (const c of recurrentKernelCases(WEBGPU_SHAPES)) {
      it(c.name, async () => {
        const pb = paths![path];
        await noGpuErrors(pb, () =>
          compareRecurrentKernels(pb, c, {
            afterForward: (args) => expect(pb.counters().lastRecurrent?.path).toBe(expectedPath(pb, 'forward', args)),
            afterBackward: (args) => expect(pb.counters().lastRecurrent?.path).toBe(expectedPath(pb, 'backward', args)),
          }),
        );
      });
    }
  });
}

describe.skipIf(!be)('fused recurrent forward', () => {
  it('inference gives the training outputs and keeps nothing', async () => {
    for (const v of VARIANTS) {
      const args = recurrentKernelArgs(be, v, { T: 5, B: 3, D: 2, H: 5, biases: 'both', c0: true, lengths: [5, 2, 3] }, 9);
      const inUse = be.liveGpuBuffers();
      const infer = be.recurrentForward({ ...args, training: false });
      expect(infer.saved).toBeUndefined();
      expect(be.liveGpuBuffers()).toBe(inUse + (v.cell === 'lstm' ? 3 : 2)); // y, hN (, cN): nothing saved
      const train = be.recurrentForward(args);
      expect([...(await be.read(infer.y))]).toEqual([...(await be.read(train.y))]);
      expect([...(await be.read(infer.hN))]).toEqual([...(await be.read(train.hN))]);
      train.saved!.dispose();
    }
  });

  it('zeros the output past each length and keeps the state of the last valid step', async () => {
    const args = recurrentKernelArgs(be, VARIANTS[2], { T: 5, B: 2, D: 3, H: 4, biases: 'both', c0: true, lengths: [5, 2] }, 4);
    const full = be.recurrentForward({ ...args, lengths: undefined, training: false });
    const masked = be.recurrentForward({ ...args, training: false });
    const yf = await be.read(full.y);
    const ym = await be.read(masked.y);
    const H = 4;
    for (let t = 0; t < 5; t++) {
      for (let j = 0; j < H; j++) {
        expect(ym[(t * 2 + 0) * H + j]).toBe(yf[(t * 2 + 0) * H + j]);
        expect(ym[(t * 2 + 1) * H + j]).toBe(t < 2 ? yf[(t * 2 + 1) * H + j] : 0);
      }
    }
    const hN = await be.read(masked.hN);
    for (let j = 0; j < H; j++) expect(hN[H + j]).toBe(yf[(1 * 2 + 1) * H + j]);
  });
});

describe.skipIf(!be)('on a device with WebGPU default limits (as browsers give by default)', () => {
  it('every fused kernel fits (8 storage buffers per stage) and gives the same results', async () => {
    const { create } = await import('webgpu');
    const gpu = create([]); // held in this scope for as long as the device runs
    const adapter = (await gpu.requestAdapter())!;
    const device = await adapter.requestDevice();
    expect(device.limits.maxStorageBuffersPerShaderStage).toBe(8);
    const { createWebgpuBackend } = await import('../src/index.js');
    const small = await createWebgpuBackend({ device });
    device.pushErrorScope('validation');
    const layer = (v: RecurrentKernelVariant): RecurrentSpec => ({
      type: 'recurrent',
      cell: v.cell,
      inputSize: 2,
      hiddenSize: 3,
      numLayers: 1,
      bidirectional: true,
      dropout: 0,
      batchFirst: false,
      bias: true,
      gruResetAfter: v.resetAfter,
    });
    for (const v of VARIANTS) {
      const spec = layer(v);
      const results: Float32Array[][] = [];
      for (const b of [small, be]) {
        const params = new Map<string, Tensor>();
        for (const [name, data] of initParams(recurrentParams(spec), 3))
          params.set(name, b.upload(data, recurrentParams(spec).find((p) => p.name === name)!.shape));
        const x = b.upload(randomArray(new Rng(4), 4 * 2 * 2), [4, 2, 2]);
        const out = runRecurrent(b, spec, params, x, { training: true, lengths: Int32Array.of(4, 2) });
        const g = backpropRecurrent(b, spec, out.cache!, { dOutput: b.fill([4, 2, 6], 0.5) });
        disposeRecurrentCache(out.cache!);
        results.push([await b.read(out.output), await b.read(g.dx!), ...(await Promise.all([...g.grads.values()].map((t) => b.read(t))))]);
      }
      for (const [i, r] of results[0].entries()) checkClose(r, results[1][i], 1e-6, `${v.label} result ${i}`);
    }
    expect((await device.popErrorScope())?.message ?? null).toBeNull();
    small.destroy();
    device.destroy();
    expect(gpu).toBeDefined();
  });
});

describe.skipIf(!be)('the recurrent path choice (recurrentPlan, counters)', () => {
  it('forced paths, auto, and shapes the sequence kernel cannot take', () => {
    const { step, sequence } = paths!;
    expect(step.recurrentPlan('forward', 'lstm', true, 1, 32).path).toBe('step');
    expect(sequence.recurrentPlan('backward', 'gru', false, 64, 512).path).toBe('sequence');
    // Small shapes: the sequence kernel everywhere (the kit's and the bench's B = 1, H = 32).
    for (const pass of ['forward', 'backward'] as const) {
      expect(be.recurrentPlan(pass, 'lstm', true, 1, 32).path).toBe('sequence');
      expect(be.recurrentPlan(pass, 'gru', false, 3, 16).path).toBe('sequence');
    }
    // Large H at a large batch: more than 4 units per thread and step, auto keeps the per-step path.
    expect(be.recurrentPlan('forward', 'lstm', true, 64, 512).path).toBe('step');
    // An operand row larger than the workgroup memory: no sequence kernel even when forced.
    const huge = be.device.limits.maxComputeWorkgroupStorageSize; // H floats of 4 bytes > the limit
    const plan = sequence.recurrentPlan('forward', 'rnn_tanh', true, 1, huge);
    expect(plan.path).toBe('step');
    expect(plan.reason).toMatch(/maxComputeWorkgroupStorageSize/);
  });

  it('on software adapters: weights per thread up to 512 floats, the GEMM unrolled up to 512 forward and 128 backward, else looped; past 512 the storage kernel', () => {
    const { sequence } = paths!;
    const software = (sequence as unknown as { context: { sequenceLimits: { software: boolean } } }).context.sequenceLimits.software;
    // Forward to 512 floats per unit (LSTM H = 128, the tests' wide case H = 70 B = 11), backward to 128.
    const unrolled = [
      { H: 32, fwd: true, plan: sequence.recurrentPlan('forward', 'lstm', true, 1, 32) },
      { H: 32, fwd: false, plan: sequence.recurrentPlan('backward', 'lstm', true, 2, 32) },
      { H: 42, fwd: true, plan: sequence.recurrentPlan('forward', 'gru', false, 3, 42) },
      { H: 42, fwd: false, plan: sequence.recurrentPlan('backward', 'gru', true, 1, 42) },
      { H: 70, fwd: true, plan: sequence.recurrentPlan('forward', 'lstm', true, 11, 70) },
      { H: 128, fwd: true, plan: sequence.recurrentPlan('forward', 'lstm', true, 1, 128) },
      { H: 128, fwd: false, plan: sequence.recurrentPlan('backward', 'rnn_tanh', true, 1, 128) },
    ];
    // Backward past 128 floats per unit: the loop form.
    const looped = [
      { H: 43, plan: sequence.recurrentPlan('backward', 'gru', true, 1, 43) },
      { H: 64, plan: sequence.recurrentPlan('backward', 'lstm', true, 1, 64) },
      { H: 70, plan: sequence.recurrentPlan('backward', 'lstm', true, 11, 70) },
      { H: 128, plan: sequence.recurrentPlan('backward', 'gru', false, 1, 128) },
    ];
    if (!software) console.log('hardware adapter: the register kernel is not chosen (checked: RH undefined)');
    for (const { H, fwd, plan } of unrolled) {
      expect(plan.path).toBe('sequence');
      // Forward two units per thread (SOFTWARE_FWD_UNITS), the unrolled backward one.
      const WJ = 2 ** Math.ceil(Math.log2(H)) / (fwd ? 2 : 1);
      if (software)
        expect(plan).toMatchObject({
          WJ,
          WB: 1,
          RH: H,
          reason: expect.stringMatching(new RegExp(`in registers, .* ${Math.ceil(H / WJ)} unit\\(s\\) per thread`)),
        });
      else expect(plan.RH).toBeUndefined();
      expect(plan.loopK).toBeUndefined();
    }
    for (const { H, plan } of looped) {
      expect(plan.path).toBe('sequence');
      // 32 threads (SOFTWARE_LOOP_THREADS), ⌈H/32⌉ units each: 2 at H = 43 and 64, 3 at H = 70, 4 at H = 128.
      if (software)
        expect(plan).toMatchObject({
          WJ: 32,
          WB: 1,
          RH: H,
          loopK: true,
          reason: expect.stringMatching(new RegExp(`private arrays, .* ${Math.ceil(H / 32)} unit\\(s\\) per thread`)),
        });
      else expect(plan.RH).toBeUndefined();
    }
    // Past 512 floats per unit (LSTM H = 129): the storage kernel when forced, the per-step path under auto.
    const past = sequence.recurrentPlan('forward', 'lstm', true, 1, 129);
    expect(past.path).toBe('sequence');
    expect(past.RH).toBeUndefined();
    if (software) expect(be.recurrentPlan('forward', 'lstm', true, 1, 129).path).toBe('step');
  });

  it('counters() reports dispatches, submits and the last call: one recurrence dispatch on the sequence path, T on the per-step path', async () => {
    const v = VARIANTS[2];
    const c: RecurrentKernelShape = { T: 9, B: 2, D: 3, H: 5, biases: 'both', c0: true };
    const dispatches: Record<string, number> = {};
    for (const path of ['step', 'sequence'] as const) {
      const b = paths![path];
      const args = recurrentKernelArgs(b, v, c, 3);
      b.resetCounters();
      const f = b.recurrentForward(args);
      const last = b.counters().lastRecurrent!;
      expect(last).toMatchObject({ op: 'recurrentForward', path, T: 9, B: 2, H: 5 });
      dispatches[path] = last.dispatches;
      expect(b.counters().submits).toBe(1);
      expect(b.counters().recurrent[path]).toBe(1);
      f.saved!.dispose();
      for (const t of [f.y, f.hN, f.cN, args.x, args.h0, args.c0, args.weightIh, args.weightHh, args.biasIh, args.biasHh]) if (t) b.dispose(t);
    }
    // The input GEMM and W_hh's transpose, then T step dispatches or one sequence dispatch.
    expect(dispatches.step - dispatches.sequence).toBe(9 - 1);
  });
});
