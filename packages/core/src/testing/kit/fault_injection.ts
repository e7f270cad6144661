import type { Backend } from '../../backend/backend.js';
import { FUSED_OPS } from '../../backend/backend.js';
import { MEMORY_KERNELS, PRIMITIVE_KERNELS } from '../../backend/kernel_table.js';
import { RnnkitError } from '../../errors.js';
import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '../../model/recurrent_layer.js';
import { initParams } from '../../params/init.js';
import { recurrentParams } from '../../params/names.js';
import type { Tensor } from '../../tensor.js';
import { type CellVariant, variantSpec } from '../conformance.js';
import { compositeOnly } from './composite_only.js';
import { check } from './expect.js';

/** Every call a fault can be injected at: memory that makes tensors, every primitive, every fused op. */
const FAULTABLE = new Set<string>([...MEMORY_KERNELS.filter((k) => k !== 'read' && k !== 'dispose'), ...PRIMITIVE_KERNELS, ...FUSED_OPS]);

/** The backend, failing with an injected RnnkitError at the n-th faultable call. */
export function failingAt(be: Backend, counter: { left: number }): Backend {
  return new Proxy(be, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || !FAULTABLE.has(String(prop))) return typeof v === 'function' ? v.bind(target) : v;
      return (...args: unknown[]) => {
        if (--counter.left === 0) throw new RnnkitError('BACKEND_FAILURE', `injected fault in ${String(prop)}`);
        return v.apply(receiver, args);
      };
    },
  });
}

/**
 * A recurrent forward and backward (2 layers, bidirectional, with lengths) with a fault injected
 * at call k, for every k from 1 until the pass makes fewer than k calls: each failed pass must
 * leave the live tensor count where it was. `composite` runs core's composite kernels on the
 * backend's primitives instead of its fused ones. Returns the number of calls a whole pass made.
 */
export async function faultSweep(base: Backend, variant: CellVariant, composite: boolean): Promise<number> {
  const spec = variantSpec(variant, { numLayers: 2, bidirectional: true, inputSize: 2, hiddenSize: 3 });
  const infos = recurrentParams(spec);
  const params = new Map<string, Tensor>();
  for (const [k, a] of initParams(infos, 1)) params.set(k, base.upload(a, infos.find((p) => p.name === k)!.shape));
  const x = base.upload(new Float32Array(2 * 3 * 2).fill(0.3), [2, 3, 2]);
  const dOut = base.upload(new Float32Array(2 * 3 * 6).fill(1), [2, 3, 6]);
  const lengths = Int32Array.from([3, 2]);
  const baseline = base.liveTensors();
  let k = 1;
  try {
    for (; ; k++) {
      const counter = { left: k };
      const inner = failingAt(base, counter);
      const be = composite ? compositeOnly(inner) : inner;
      let failed = false;
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
        check(e instanceof Error && e.message.includes('injected fault'), `fault at call ${k}: another error escaped: ${String(e)}`);
        failed = true;
      }
      check(base.liveTensors() === baseline, `fault at call ${k}: ${base.liveTensors() - baseline} tensors leaked`);
      if (!failed) break; // the pass made fewer than k calls: every position was tried
      // Let the event loop turn between passes: Dawn in Node frees GPU objects (bind groups) only then.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    for (const t of [...params.values(), x, dOut]) base.dispose(t);
  }
  return k - 1;
}
