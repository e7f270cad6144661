import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/**
 * Per-row cross-entropy of softmax(logits [N, C]) against class ids `targets` (N). Rows whose
 * target is `ignoreIndex` give loss 0 and gradient 0. Returns loss [N] and
 * grad = d(loss_i)/d(logits_i) = softmax − one-hot, [N, C].
 */
export function softmaxCrossEntropy(_: CpuContext, logits: CpuTensor, targets: Int32Array, ignoreIndex: number): { loss: CpuTensor; grad: CpuTensor } {
  const [N, C] = rowsCols(logits.shape);
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
  return { loss: new CpuTensor(loss, [N]), grad: new CpuTensor(grad, [N, C]) };
}
