import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';

/** [M, N_i] parts side by side: [M, Σ N_i]. */
export function concatColumns(_: RefContext, parts: readonly RefTensor[]): RefTensor {
  const [M] = view2d(parts[0]);
  const widths = parts.map((p) => view2d(p)[1]);
  const W = widths.reduce((s, w) => s + w, 0);
  const out = new Float32Array(M * W);
  let col = 0;
  parts.forEach((p, k) => {
    for (let i = 0; i < M; i++) out.set(p.data.subarray(i * widths[k], (i + 1) * widths[k]), i * W + col);
    col += widths[k];
  });
  return refTensor(out, [M, W]);
}
