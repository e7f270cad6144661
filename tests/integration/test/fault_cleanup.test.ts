import { describe, expect, it } from 'vitest';
import { backpropRecurrent, disposeRecurrentCache, initParams, recurrentParams, runRecurrent, RnnkitError, type Backend, type Tensor } from '@rnnkit/core';
import { variantSpec, CELL_VARIANTS } from '@rnnkit/core/testing';
import { createCpuBackend } from '@rnnkit/backend-cpu';

/**
 * A kernel that fails part-way must not leak: a backend wrapper throws on the k-th primitive
 * call, for every k a pass makes, and the live tensor count must be back where it was.
 */
const PRIMITIVES = new Set(['matmul', 'add', 'sub', 'mul', 'affine', 'addRowVector', 'mulColumnVector', 'tanh', 'sigmoid', 'relu', 'tanhBackward', 'sigmoidBackward', 'reluBackward', 'sumRows', 'sliceColumns', 'concatColumns', 'sliceRows', 'concatRows', 'gatherRows', 'scatterAddRows', 'zeros', 'reshape', 'upload']);

function faulty(be: Backend, failAt: { n: number }, composite: boolean): Backend {
  return new Proxy(be, {
    get(target, prop, recv) {
      if (composite && (prop === 'recurrentForward' || prop === 'recurrentBackward')) return undefined;
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== 'function') return v;
      if (!PRIMITIVES.has(String(prop))) return v.bind(target);
      return (...args: unknown[]) => {
        if (--failAt.n === 0) throw new RnnkitError('INVALID_ARGUMENT', `injected fault in ${String(prop)}`);
        return v.apply(target, args);
      };
    },
  });
}

describe('no leaks when a kernel throws part-way', () => {
  for (const composite of [true, false]) {
    for (const v of CELL_VARIANTS) {
      it(`${v}, ${composite ? 'composite' : 'fused'} kernels, forward and backward`, async () => {
        const base = await createCpuBackend();
        const spec = variantSpec(v, { numLayers: 2, bidirectional: true, inputSize: 2, hiddenSize: 3 });
        const params = new Map<string, Tensor>();
        for (const [k, a] of initParams(recurrentParams(spec), 1)) params.set(k, base.upload(a, recurrentParams(spec).find((p) => p.name === k)!.shape));
        const x = base.upload(new Float32Array(2 * 4 * 2).fill(0.3), [2, 4, 2]);
        const dOut = base.upload(new Float32Array(2 * 4 * 6).fill(1), [2, 4, 6]);
        const lengths = Int32Array.from([4, 2]);
        const baseline = base.liveTensors();
        let failures = 0;
        for (let k = 1; ; k += 3) {
          const failAt = { n: k };
          const be = faulty(base, failAt, composite);
          try {
            const r = runRecurrent(be, spec, params, x, { lengths, training: true });
            try {
              const g = backpropRecurrent(be, spec, r.cache!, { dOutput: dOut });
              for (const t of [g.dx, g.dh0, g.dc0, ...g.grads.values()]) if (t) base.dispose(t);
            } finally {
              disposeRecurrentCache(r.cache!);
              for (const t of [r.output, r.hN, r.cN]) if (t) base.dispose(t);
            }
          } catch (e) {
            expect((e as Error).message).toMatch(/injected fault/);
            failures++;
          }
          expect(`fault at call ${k}: live tensors ${base.liveTensors()}`).toBe(`fault at call ${k}: live tensors ${baseline}`);
          if (failAt.n > 0) break; // this pass made fewer than k calls: every position was tried
        }
        expect(failures).toBeGreaterThan(5);
      });
    }
  }
});
