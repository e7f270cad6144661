import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '../../model/recurrent_layer.js';
import { initParams } from '../../params/init.js';
import { recurrentParams } from '../../params/names.js';
import type { Tensor } from '../../tensor.js';
import { Rng } from '../../util/rng.js';
import { CELL_VARIANTS, scaledError, variantSpec } from '../conformance.js';
import { randomArray } from '../numeric.js';
import { compositeOnly } from './composite_only.js';
import { check } from './expect.js';
import type { KitCase } from './primitive_cases.js';

/** A fused kernel and core's composite one, on the same primitives, agree within this. */
export const FUSED_TOLERANCE = 1e-5;

/**
 * Layer-level forward and BPTT through the backend's fused recurrent kernels against the same
 * backend with composite kernels, for every cell variant, forward, reverse and both directions, batch-first
 * and time-major (the batch-first path lets a backend with `recurrentBatchFirst` take the
 * layout itself), with lengths and initial states.
 */
export function fusedCases(): KitCase[] {
  const cases: KitCase[] = [];
  for (const v of CELL_VARIANTS) {
    for (const direction of ['forward', 'reverse', 'bidirectional'] as const) {
      const bidirectional = direction === 'bidirectional';
      for (const batchFirst of [true, false]) {
        cases.push({
          name: `${v} ${bidirectional ? 'bidirectional' : direction === 'reverse' ? 'reverse' : 'one direction'} ${batchFirst ? 'batch-first' : 'time-major'}: fused = composite`,
          async run(base) {
            const spec = variantSpec(v, {
              numLayers: 1,
              bidirectional,
              ...(direction === 'reverse' ? { direction } : {}),
              batchFirst,
              inputSize: 3,
              hiddenSize: 4,
            });
            const infos = recurrentParams(spec);
            const rng = new Rng(11);
            const held: Tensor[] = [];
            const up = (a: Float32Array, shape: readonly number[]) => {
              const t = base.upload(a, shape);
              held.push(t);
              return t;
            };
            const [B, T, D, H] = [3, 5, 3, 4];
            const dirs = bidirectional ? 2 : 1;
            const params = new Map<string, Tensor>();
            for (const [k, a] of initParams(infos, 5)) params.set(k, up(a, infos.find((p) => p.name === k)!.shape));
            const xShape = batchFirst ? [B, T, D] : [T, B, D];
            const x = up(randomArray(rng, B * T * D), xShape);
            const h0 = up(randomArray(rng, dirs * B * H), [dirs, B, H]);
            const c0 = spec.cell === 'lstm' ? up(randomArray(rng, dirs * B * H), [dirs, B, H]) : undefined;
            const dOutput = up(randomArray(rng, B * T * dirs * H), batchFirst ? [B, T, dirs * H] : [T, B, dirs * H]);
            const lengths = Int32Array.from([5, 2, 4]);
            const before = base.liveTensors();
            const outputs: Record<string, Float32Array>[] = [];
            for (const be of [base, compositeOnly(base)]) {
              const r = runRecurrent(be, spec, params, x, { h0, ...(c0 ? { c0 } : {}), lengths, training: true });
              const g = backpropRecurrent(be, spec, r.cache!, { dOutput });
              disposeRecurrentCache(r.cache!);
              const named: [string, Tensor | undefined][] = [
                ['output', r.output],
                ['hN', r.hN],
                ['cN', r.cN],
                ['dx', g.dx],
                ['dh0', g.dh0],
                ['dc0', g.dc0],
                ...g.grads,
              ];
              const out: Record<string, Float32Array> = {};
              for (const [k, t] of named) {
                if (!t) continue;
                out[k] = await base.read(t);
                base.dispose(t);
              }
              outputs.push(out);
            }
            for (const t of held) base.dispose(t);
            check(base.liveTensors() === before - held.length, `${base.liveTensors() - before + held.length} tensors leaked`);
            const [fused, composite] = outputs;
            check(
              Object.keys(fused).sort().join() === Object.keys(composite).sort().join(),
              `results differ in what they hold: ${Object.keys(fused)} vs ${Object.keys(composite)}`,
            );
            for (const k of Object.keys(composite)) {
              const e = scaledError(fused[k], composite[k]);
              check(e <= FUSED_TOLERANCE, `${k}: fused vs composite error ${e} > ${FUSED_TOLERANCE}`);
            }
          },
        });
      }
    }
  }
  return cases;
}
