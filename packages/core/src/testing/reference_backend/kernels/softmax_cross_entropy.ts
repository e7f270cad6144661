import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';
import { softmaxRow } from './softmax_impl.js';

/** Per-row loss −log softmax[target] [N] and its gradient softmax − one-hot [N, C]; ignored rows give 0. */
export function softmaxCrossEntropy(_: RefContext, logits: RefTensor, targets: Int32Array, ignoreIndex: number): { loss: RefTensor; grad: RefTensor } {
  const [N, C] = view2d(logits);
  const loss = new Float32Array(N);
  const grad = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    const t = targets[i];
    if (t === ignoreIndex) continue;
    const row = logits.data.subarray(i * C, (i + 1) * C);
    const { p, logSumExp } = softmaxRow(row);
    loss[i] = logSumExp - row[t];
    for (let j = 0; j < C; j++) grad[i * C + j] = p[j] - (j === t ? 1 : 0);
  }
  return { loss: refTensor(loss, [N]), grad: refTensor(grad, [N, C]) };
}
