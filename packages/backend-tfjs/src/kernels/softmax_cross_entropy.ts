import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { argError, checkRank } from '../validate.js';

/**
 * Row-wise softmax cross-entropy of logits [N, C] against class ids (N): per-row losses [N] and
 * their gradient softmax − one-hot [N, C]. Rows whose target is `ignoreIndex` give 0 for both.
 */
export function softmaxCrossEntropy(be: TfjsBackend, logits: Tensor, targets: Int32Array, ignoreIndex: number): { loss: TfjsTensor; grad: TfjsTensor } {
  const tl = be.unwrap(logits, 'logits');
  checkRank('logits', logits, 2);
  const [N, C] = logits.shape;
  if (!(targets instanceof Int32Array)) argError('targets', 'an Int32Array', targets);
  if (targets.length !== N) argError('targets', `${N} class ids, one per row of logits`, targets);
  if (!Number.isInteger(ignoreIndex)) argError('ignoreIndex', 'an integer', ignoreIndex);
  const classes = new Int32Array(N);
  const keep = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const t = targets[i];
    if (t === ignoreIndex) continue;
    if (t < 0 || t >= C) argError(`targets[${i}]`, `a class id in [0, ${C}) or ignoreIndex ${ignoreIndex}`, t);
    classes[i] = t;
    keep[i] = 1;
  }
  const tf = be.tf;
  const { loss, grad } = be.run(() => {
    const logp = tf.logSoftmax(tl, -1);
    // tf.oneHot needs depth ≥ 2; with one class every kept row's one-hot is [1]. It is made as
    // int32 and cast: tfjs-backend-wasm 4.22's OneHot with dtype float32 writes int32 bit patterns.
    const oneHot = C >= 2 ? tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), C), 'float32') : tf.ones([N, C]);
    const k = tf.tensor1d(keep);
    return {
      loss: tf.mul(tf.neg(tf.sum(tf.mul(logp, oneHot), 1)), k),
      grad: tf.mul(tf.sub(tf.exp(logp), oneHot), tf.reshape(k, [N, 1])),
    };
  });
  return { loss: be.wrap(loss), grad: be.wrap(grad) };
}
