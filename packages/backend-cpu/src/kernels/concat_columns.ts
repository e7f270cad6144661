import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** Joins parts [M, N_i] side by side → [M, Σ N_i] (gate blocks back into one row). */
export function concatColumns(_: CpuContext, parts: readonly CpuTensor[]): CpuTensor {
  const M = rowsCols(parts[0].shape)[0];
  let total = 0;
  const widths = parts.map((p) => {
    const c = rowsCols(p.shape)[1];
    total += c;
    return c;
  });
  const out = new Float32Array(M * total);
  let col = 0;
  parts.forEach((p, k) => {
    const w = widths[k];
    const x = p.data;
    for (let i = 0; i < M; i++) out.set(x.subarray(i * w, i * w + w), i * total + col);
    col += w;
  });
  return new CpuTensor(out, [M, total]);
}
