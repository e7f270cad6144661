import type { AdamUpdateArgs, AdamUpdateResult } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import { argError } from '../validate.js';
import { hyper, operand } from './optimizer_impl.js';

/**
 * One torch.optim.Adam / AdamW step for one parameter in a single tf.tidy (same operation order
 * as core's composite): m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g²,
 * param' = param − (lr / (1 − β1^step)) · m / (√v / √(1 − β2^step) + eps). Adam adds
 * weightDecay·param to g; AdamW (`decoupled`) scales param by 1 − lr·weightDecay first.
 */
export function adamUpdate(be: TfjsBackend, a: AdamUpdateArgs): AdamUpdateResult {
  const p0 = be.unwrap(a.param, 'param');
  const g0 = operand(be, a.param, a.grad, 'grad');
  const m0 = operand(be, a.param, a.m, 'm');
  const v0 = operand(be, a.param, a.v, 'v');
  if (!Number.isInteger(a.step) || a.step < 1) argError('step', 'an integer ≥ 1', a.step);
  const lr = hyper('lr', a.lr);
  const beta1 = hyper('beta1', a.beta1, 0, 1);
  const beta2 = hyper('beta2', a.beta2, 0, 1);
  const eps = hyper('eps', a.eps);
  const weightDecay = hyper('weightDecay', a.weightDecay);
  if (typeof a.decoupled !== 'boolean') argError('decoupled', 'a boolean', a.decoupled);
  const shape = [...a.param.shape];
  const bc1 = 1 - Math.pow(beta1, a.step);
  const bc2 = 1 - Math.pow(beta2, a.step);
  const tf = be.tf;
  const out = be.run(() => {
    let p = tf.reshape(p0, shape);
    let g = tf.reshape(g0, shape);
    if (weightDecay !== 0) {
      if (a.decoupled) p = tf.mul(p, 1 - lr * weightDecay);
      else g = tf.add(g, tf.mul(p, weightDecay));
    }
    const m = tf.add(tf.mul(tf.reshape(m0, shape), beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(tf.reshape(v0, shape), beta2), tf.mul(tf.mul(g, g), 1 - beta2));
    const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), eps);
    const param = tf.sub(p, tf.mul(tf.div(m, denom), lr / bc1));
    return { param, m, v };
  });
  return { param: be.wrap(out.param), m: be.wrap(out.m), v: be.wrap(out.v) };
}
