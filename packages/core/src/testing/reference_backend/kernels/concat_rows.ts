import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';

/** [M_i, N] parts stacked: [Σ M_i, N]. */
export function concatRows(_: RefContext, parts: readonly RefTensor[]): RefTensor {
  const [, N] = view2d(parts[0]);
  const rows = parts.reduce((s, p) => s + view2d(p)[0], 0);
  const out = new Float32Array(rows * N);
  let at = 0;
  for (const p of parts) {
    out.set(p.data, at);
    at += p.data.length;
  }
  return refTensor(out, [rows, N]);
}
