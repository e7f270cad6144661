import type { SgdUpdateArgs, SgdUpdateResult } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import { argError } from '../validate.js';
import { hyper, operand } from './optimizer_impl.js';

/**
 * One torch.optim.SGD step for one parameter in a single tf.tidy: g = grad + weightDecay·param;
 * with momentum buf = momentum·velocity + (1 − dampening)·g (buf = g without velocity), then
 * g = g + momentum·buf (Nesterov) or buf; param' = param − lr·g. New tensors, parameter's shape.
 */
export function sgdUpdate(be: TfjsBackend, a: SgdUpdateArgs): SgdUpdateResult {
  const p = be.unwrap(a.param, 'param');
  const g0 = operand(be, a.param, a.grad, 'grad');
  const vel = a.velocity === undefined ? undefined : operand(be, a.param, a.velocity, 'velocity');
  const lr = hyper('lr', a.lr);
  const momentum = hyper('momentum', a.momentum);
  const dampening = hyper('dampening', a.dampening);
  const weightDecay = hyper('weightDecay', a.weightDecay);
  if (typeof a.nesterov !== 'boolean') argError('nesterov', 'a boolean', a.nesterov);
  const shape = [...a.param.shape];
  const tf = be.tf;
  const out = be.run(() => {
    const param = tf.reshape(p, shape);
    let g = tf.reshape(g0, shape);
    if (weightDecay !== 0) g = tf.add(g, tf.mul(param, weightDecay));
    let velocity;
    if (momentum !== 0) {
      const buf = vel
        ? tf.add(tf.mul(tf.reshape(vel, shape), momentum), dampening === 0 ? g : tf.mul(g, 1 - dampening))
        : g;
      velocity = buf;
      g = a.nesterov ? tf.add(g, tf.mul(buf, momentum)) : buf;
    }
    return { param: tf.sub(param, tf.mul(g, lr)), ...(velocity ? { velocity } : {}) };
  });
  return { param: be.wrap(out.param), ...(out.velocity ? { velocity: be.wrap(out.velocity) } : {}) };
}
