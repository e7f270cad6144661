import { rowsCols } from '@rnnkit/core';
import type { CpuData } from '../tensor.js';
import { invalid } from '../validate.js';

/**
 * Per-row cross-entropy of softmax(logits [N, C]) against class ids `targets` (N). Rows whose
 * target is `ignoreIndex` give loss 0 and gradient 0. Returns loss [N] and
 * grad = d(loss_i)/d(logits_i) = softmax − one-hot, [N, C].
 */
export function softmaxCrossEntropy(logits: CpuData, targets: Int32Array, ignoreIndex: number): { loss: CpuData; grad: CpuData } {
  const [N, C] = rowsCols(logits.shape);
  if (!(targets instanceof Int32Array)) invalid('softmaxCrossEntropy', 'targets', 'an Int32Array', Object.prototype.toString.call(targets));
  if (targets.length !== N) invalid('softmaxCrossEntropy', 'targets', `${N} class ids (one per row of logits)`, `${targets.length} ids`);
  for (let i = 0; i < N; i++) {
    const t = targets[i];
    if (t !== ignoreIndex && (t < 0 || t >= C)) invalid('softmaxCrossEntropy', `targets[${i}]`, `a class id in [0, ${C}) or ignoreIndex ${ignoreIndex}`, t);
  }
  const x = logits.data;
  const loss = new Float32Array(N);
  const grad = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    const t = targets[i];
    if (t === ignoreIndex) continue;
    const r = i * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) if (x[r + j] > max) max = x[r + j];
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(x[r + j] - max);
    // loss = logsumexp − x_t
    loss[i] = max + Math.log(s) - x[r + t];
    for (let j = 0; j < C; j++) grad[r + j] = Math.exp(x[r + j] - max) / s;
    grad[r + t] -= 1;
  }
  return { loss: { data: loss, shape: [N] }, grad: { data: grad, shape: [N, C] } };
}
