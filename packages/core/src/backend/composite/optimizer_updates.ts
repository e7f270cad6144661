import type { Tensor } from '../../tensor.js';
import { rowsCols } from '../../tensor.js';
import type { AdamUpdateArgs, AdamUpdateResult, Backend, SgdUpdateArgs, SgdUpdateResult } from '../backend.js';
import { Scope } from '../scope.js';

/**
 * Reference optimizer updates written with primitives. Elementwise primitives are specified on
 * 2-D views, so every operand is viewed as [rows, cols] and results are reshaped back to the
 * parameter's shape.
 */
function view2d(be: Backend, s: Scope, t: Tensor): Tensor {
  return s.t(be.reshape(t, rowsCols(t.shape)));
}

/** Runs `f` with a scope for temporaries and one for results; a throw releases both (nothing leaks). */
function allOrNothing<R>(be: Backend, f: (s: Scope, made: Scope) => R): R {
  const s = new Scope(be);
  const made = new Scope(be);
  try {
    return f(s, made);
  } catch (e) {
    made.dispose();
    throw e;
  } finally {
    s.dispose();
  }
}

/** torch.optim.SGD for one parameter; see `SgdUpdateArgs`. */
export function compositeSgdUpdate(be: Backend, a: SgdUpdateArgs): SgdUpdateResult {
  return allOrNothing(be, (s, made) => sgdSteps(be, a, s, made));
}

function sgdSteps(be: Backend, a: SgdUpdateArgs, s: Scope, made: Scope): SgdUpdateResult {
  const p = view2d(be, s, a.param);
  let g = view2d(be, s, a.grad);
  if (a.weightDecay !== 0) g = s.t(be.add(g, s.t(be.affine(p, a.weightDecay, 0))));
  let velocity: Tensor | undefined;
  if (a.momentum !== 0) {
    let buf: Tensor;
    if (a.velocity) {
      const prev = view2d(be, s, a.velocity);
      buf = s.t(be.add(s.t(be.affine(prev, a.momentum, 0)), a.dampening === 0 ? g : s.t(be.affine(g, 1 - a.dampening, 0))));
    } else {
      buf = g;
    }
    velocity = made.t(be.reshape(buf, a.param.shape));
    g = a.nesterov ? s.t(be.add(g, s.t(be.affine(buf, a.momentum, 0)))) : buf;
  }
  const next = s.t(be.sub(p, s.t(be.affine(g, a.lr, 0))));
  const param = made.t(be.reshape(next, a.param.shape));
  return { param, ...(velocity ? { velocity } : {}) };
}

/** torch.optim.Adam / AdamW for one parameter; see `AdamUpdateArgs`. */
export function compositeAdamUpdate(be: Backend, a: AdamUpdateArgs): AdamUpdateResult {
  return allOrNothing(be, (s, made) => adamSteps(be, a, s, made));
}

function adamSteps(be: Backend, a: AdamUpdateArgs, s: Scope, made: Scope): AdamUpdateResult {
  let p = view2d(be, s, a.param);
  let g = view2d(be, s, a.grad);
  if (a.weightDecay !== 0) {
    if (a.decoupled) p = s.t(be.affine(p, 1 - a.lr * a.weightDecay, 0));
    else g = s.t(be.add(g, s.t(be.affine(p, a.weightDecay, 0))));
  }
  const m0 = view2d(be, s, a.m);
  const v0 = view2d(be, s, a.v);
  const m = s.t(be.add(s.t(be.affine(m0, a.beta1, 0)), s.t(be.affine(g, 1 - a.beta1, 0))));
  const v = s.t(be.add(s.t(be.affine(v0, a.beta2, 0)), s.t(be.affine(s.t(be.mul(g, g)), 1 - a.beta2, 0))));
  const bc1 = 1 - a.beta1 ** a.step;
  const bc2 = 1 - a.beta2 ** a.step;
  const denom = s.t(be.affine(s.t(be.sqrt(v)), 1 / Math.sqrt(bc2), a.eps));
  const stepDir = s.t(be.div(m, denom));
  const next = s.t(be.sub(p, s.t(be.affine(stepDir, a.lr / bc1, 0))));
  return {
    param: made.t(be.reshape(next, a.param.shape)),
    m: made.t(be.reshape(m, a.param.shape)),
    v: made.t(be.reshape(v, a.param.shape)),
  };
}
