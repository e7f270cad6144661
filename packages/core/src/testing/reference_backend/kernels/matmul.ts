import type { MatmulOptions } from '../../../backend/kernel_table.js';
import { type RefContext, type RefTensor, refTensor } from '../tensor.js';

/** alpha · op(a) · op(b) + beta · c, each dot product accumulated in double. */
export function matmul(_: RefContext, a: RefTensor, b: RefTensor, opts: MatmulOptions<RefTensor>): RefTensor {
  const ta = opts.transposeA ?? false;
  const tb = opts.transposeB ?? false;
  const [M, K] = ta ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const N = tb ? b.shape[0] : b.shape[1];
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 1;
  const A = (i: number, k: number) => (ta ? a.data[k * M + i] : a.data[i * K + k]);
  const B = (k: number, j: number) => (tb ? b.data[j * K + k] : b.data[k * N + j]);
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += A(i, k) * B(k, j);
      out[i * N + j] = alpha * acc + (opts.c ? beta * opts.c.data[i * N + j] : 0);
    }
  }
  return refTensor(out, [M, N]);
}
