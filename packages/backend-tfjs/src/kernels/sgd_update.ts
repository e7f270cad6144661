import type { SgdUpdateArgs, SgdUpdateResult } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { run, tfOf, wrap } from '../tensor.js';
import type { TfTensor } from '../tf.js';

/**
 * One torch.optim.SGD step for one parameter in a single tf.tidy: g = grad + weightDecay·param;
 * with momentum buf = momentum·velocity + (1 − dampening)·g (buf = g without velocity), then
 * g = g + momentum·buf (Nesterov) or buf; param' = param − lr·g. New tensors, the parameter's shape.
 */
export function sgdUpdate(ctx: TfjsContext, a: SgdUpdateArgs<TfjsTensor>): SgdUpdateResult<TfjsTensor> {
  const { lr, momentum, dampening, weightDecay } = a;
  const tf = ctx.tf;
  const out = run(ctx, () => {
    const param = tfOf(a.param);
    let g = tfOf(a.grad);
    if (weightDecay !== 0) g = tf.add(g, tf.mul(param, weightDecay));
    let velocity: TfTensor | undefined;
    if (momentum !== 0) {
      const buf = a.velocity ? tf.add(tf.mul(tfOf(a.velocity), momentum), dampening === 0 ? g : tf.mul(g, 1 - dampening)) : g;
      velocity = buf;
      g = a.nesterov ? tf.add(g, tf.mul(buf, momentum)) : buf;
    }
    return { param: tf.sub(param, tf.mul(g, lr)), ...(velocity ? { velocity } : {}) };
  });
  return { param: wrap(ctx, out.param), ...(out.velocity ? { velocity: wrap(ctx, out.velocity) } : {}) };
}
