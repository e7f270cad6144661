import type { AdamUpdateArgs, AdamUpdateResult } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { run, tfOf, wrap } from '../tensor.js';

/**
 * One torch.optim.Adam / AdamW step for one parameter in a single tf.tidy (same operation order
 * as core's composite): m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g²,
 * param' = param − (lr / (1 − β1^step)) · m / (√v / √(1 − β2^step) + eps). Adam adds
 * weightDecay·param to g; AdamW (`decoupled`) scales param by 1 − lr·weightDecay first.
 */
export function adamUpdate(ctx: TfjsContext, a: AdamUpdateArgs<TfjsTensor>): AdamUpdateResult<TfjsTensor> {
  const { lr, beta1, beta2, eps, weightDecay } = a;
  const bc1 = 1 - beta1 ** a.step;
  const bc2 = 1 - beta2 ** a.step;
  const tf = ctx.tf;
  const out = run(ctx, () => {
    let p = tfOf(a.param);
    let g = tfOf(a.grad);
    if (weightDecay !== 0) {
      if (a.decoupled) p = tf.mul(p, 1 - lr * weightDecay);
      else g = tf.add(g, tf.mul(p, weightDecay));
    }
    const m = tf.add(tf.mul(tfOf(a.m), beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(tfOf(a.v), beta2), tf.mul(tf.mul(g, g), 1 - beta2));
    const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), eps);
    const param = tf.sub(p, tf.mul(tf.div(m, denom), lr / bc1));
    return { param, m, v };
  });
  return { param: wrap(ctx, out.param), m: wrap(ctx, out.m), v: wrap(ctx, out.v) };
}
