import { checkObject, checkShapeList, describe, RnnkitError } from '../errors.js';
import { sizeOf } from '../tensor.js';
import { Rng } from '../util/rng.js';
import type { ParamInfo } from './names.js';

/**
 * Draws initial values for `params` in order from one seeded stream, on the host, so every
 * backend starts from the same bits. Uniform draws are made in float64 and rounded to float32.
 */
export function initParams(params: readonly ParamInfo[], seed: number): Map<string, Float32Array> {
  if (!Array.isArray(params))
    throw new RnnkitError('INVALID_ARGUMENT', `params: expected a list of parameter infos (modelParams(spec)), got ${describe(params)}`, {
      argument: 'params',
    });
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new RnnkitError('INVALID_ARGUMENT', `seed: expected a (safe) integer, got ${describe(seed)}`, { argument: 'seed' });
  params.forEach((p, i) => {
    checkObject(p, `params[${i}]`, '{ name, shape, init }');
    checkShapeList(p.shape, `params[${i}].shape`);
    checkObject(p.init, `params[${i}].init`, "{ kind: 'uniform', bound } or { kind: 'normal' }");
  });
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  for (const p of params) {
    const a = new Float32Array(sizeOf(p.shape));
    if (p.init.kind === 'uniform') {
      const b = p.init.bound;
      for (let i = 0; i < a.length; i++) a[i] = rng.range(-b, b);
    } else {
      for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    }
    out.set(p.name, a);
  }
  return out;
}
