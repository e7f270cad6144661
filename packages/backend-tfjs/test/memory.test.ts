import type { RecurrentSpec, Tensor } from '@rnnkit/core';
import { gateCount, initParams, RnnkitError, recurrentParams } from '@rnnkit/core';
import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '@rnnkit/core/backend';
import { CELL_VARIANTS, variantSpec } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import type { TfjsBackend } from '../src/index.js';
import { createTfjsBackend } from '../src/index.js';
import type { Tf } from '../src/tf.js';
import { backendFor, ENGINES, rand, tfTensors } from './helpers.js';

/** Every cell variant, two bidirectional layers. */
const SPECS = CELL_VARIANTS.map((v) => variantSpec(v, { inputSize: 4, hiddenSize: 5, numLayers: 2, bidirectional: true }));

function uploadParams(be: TfjsBackend, s: RecurrentSpec, seed: number): Map<string, Tensor> {
  const host = initParams(recurrentParams(s), seed);
  const out = new Map<string, Tensor>();
  for (const p of recurrentParams(s)) out.set(p.name, be.upload(host.get(p.name)!, [...p.shape]));
  return out;
}

describe.each(ENGINES)('memory on tfjs-%s', (engine) => {
  it('1,000 training steps (forward, BPTT, SGD update) leave no tensor behind', async () => {
    const be = await backendFor(engine);
    const live0 = be.liveTensors();
    const tf0 = tfTensors(be);
    const bytes0 = be.tf.memory().numBytes;
    const [B, T] = [3, 5];
    const params = SPECS.map((s, i) => uploadParams(be, s, i + 1));
    const x = be.upload(rand(B * T * 4, 5), [B, T, 4]);
    const dOut = be.upload(rand(B * T * 10, 6), [B, T, 10]);
    const lengths = Int32Array.from([5, 2, 4]);
    const withParams = be.liveTensors();
    for (let step = 0; step < 1000; step++) {
      const k = step % SPECS.length;
      const s = SPECS[k];
      const p = params[k];
      const fwd = runRecurrent(be, s, p, x, { training: true, ...(step % 2 ? { lengths } : {}) });
      const g = backpropRecurrent(be, s, fwd.cache!, { dOutput: dOut });
      disposeRecurrentCache(fwd.cache!);
      for (const [name, grad] of g.grads) {
        const old = p.get(name)!;
        const scaled = be.affine(grad, 1e-3, 0);
        p.set(name, be.sub(old, scaled));
        for (const t of [old, grad, scaled]) be.dispose(t);
      }
      for (const t of [fwd.output, fwd.hN, fwd.cN, g.dx, g.dh0, g.dc0]) if (t) be.dispose(t);
      if (step % 250 === 249) expect(be.liveTensors()).toBe(withParams);
    }
    expect(be.liveTensors()).toBe(withParams);
    for (const p of params) for (const t of p.values()) be.dispose(t);
    be.dispose(x);
    be.dispose(dOut);
    expect(be.liveTensors()).toBe(live0);
    expect(tfTensors(be)).toBe(tf0);
    expect(be.tf.memory().numBytes).toBe(bytes0);
  }, 300_000);

  it('an error thrown half way through a sequence releases every tf.Tensor made so far', async () => {
    const be = await createTfjsBackend({ engine });
    const real = be.tf;
    let fault: { op: string; at: number } | undefined;
    let calls = 0;
    // The tf namespace with one op failing on its n-th call: a fault deep inside the step loop.
    // It throws an RnnkitError, which leaves the backend as it is, so one backend takes every
    // fault; any other error from tfjs fails the backend for good (test/failure.test.ts).
    (be.context as { tf: Tf }).tf = new Proxy(real, {
      get(target, key) {
        const v = Reflect.get(target, key);
        if (!fault || key !== fault.op) return v;
        return (...a: unknown[]) => {
          if (++calls === fault!.at) throw new RnnkitError('BACKEND_FAILURE', 'injected fault');
          return (v as (...a: unknown[]) => unknown)(...a);
        };
      },
    });
    const tf0 = real.memory().numTensors;
    const [T, B, D, H] = [6, 2, 3, 4];
    for (const [cell, gruResetAfter] of [
      ['rnn_tanh', true],
      ['lstm', true],
      ['gru', true],
      ['gru', false],
    ] as const) {
      const G = gateCount(cell);
      const held = [
        be.upload(rand(T * B * D, 1), [T, B, D]),
        be.upload(rand(G * H * D, 2), [G * H, D]),
        be.upload(rand(G * H * H, 3), [G * H, H]),
        be.zeros([B, H]),
        be.upload(rand(T * B * H, 4), [T, B, H]),
      ];
      const [x, weightIh, weightHh, h0, dy] = held;
      const args = { cell, gruResetAfter, x, weightIh, weightHh, h0, ...(cell === 'lstm' ? { c0: h0 } : {}), lengths: Int32Array.from([6, 3]), training: true };
      const live = be.liveTensors();
      const before = real.memory().numTensors;
      for (const at of [2, 5]) {
        // Forward: the 2nd and 5th recurrent matMul (step 1 and step 4, after tensors were saved).
        calls = 0;
        fault = { op: 'matMul', at: at + 1 };
        expect(() => be.recurrentForward(args)).toThrow('injected fault');
        expect(be.liveTensors()).toBe(live);
        expect(real.memory().numTensors).toBe(before);
      }
      fault = undefined;
      const f = be.recurrentForward(args);
      const afterForward = real.memory().numTensors;
      for (const at of [1, 4]) {
        // Backward: a fault in its step loop (the recurrent matMul of the 1st or 4th step back).
        calls = 0;
        fault = { op: 'matMul', at };
        expect(() => be.recurrentBackward({ forward: args, saved: f.saved!, dy })).toThrow('injected fault');
        expect(real.memory().numTensors).toBe(afterForward);
      }
      fault = undefined;
      // The backend still works after the faults.
      const g = be.recurrentBackward({ forward: args, saved: f.saved!, dy });
      f.saved!.dispose();
      for (const t of [f.y, f.hN, f.cN, g.dx, g.dh0, g.dc0, g.dWeightIh, g.dWeightHh, g.dBiasIh, g.dBiasHh, ...held]) if (t) be.dispose(t);
      expect(be.liveTensors()).toBe(0);
      expect(real.memory().numTensors).toBe(before - held.length);
    }
    expect(real.memory().numTensors).toBe(tf0);
    (be.context as { tf: Tf }).tf = real;
    be.destroy();
  });
});
