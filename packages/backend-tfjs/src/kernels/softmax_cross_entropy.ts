import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { run, tfOf, wrap } from '../tensor.js';

/**
 * Row-wise softmax cross-entropy of logits viewed as [N, C] against class ids (N): per-row
 * losses [N] and their gradient softmax − one-hot [N, C]. Rows whose target is `ignoreIndex`
 * give 0 for both.
 */
export function softmaxCrossEntropy(ctx: TfjsContext, logits: TfjsTensor, targets: Int32Array, ignoreIndex: number): { loss: TfjsTensor; grad: TfjsTensor } {
  const [N, C] = rowsCols(logits.shape);
  const classes = new Int32Array(N);
  const keep = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    if (targets[i] === ignoreIndex) continue;
    classes[i] = targets[i];
    keep[i] = 1;
  }
  const tf = ctx.tf;
  const { loss, grad } = run(ctx, () => {
    const logp = tf.logSoftmax(tf.reshape(tfOf(logits), [N, C]), -1);
    // tf.oneHot needs depth ≥ 2; with one class every kept row's one-hot is [1]. It is made as
    // int32 and cast: tfjs-backend-wasm 4.22's OneHot with dtype float32 writes int32 bit patterns.
    const oneHot = C >= 2 ? tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), C), 'float32') : tf.ones([N, C]);
    const k = tf.tensor1d(keep);
    return {
      loss: tf.mul(tf.neg(tf.sum(tf.mul(logp, oneHot), 1)), k),
      grad: tf.mul(tf.sub(tf.exp(logp), oneHot), tf.reshape(k, [N, 1])),
    };
  });
  return { loss: wrap(ctx, loss), grad: wrap(ctx, grad) };
}
