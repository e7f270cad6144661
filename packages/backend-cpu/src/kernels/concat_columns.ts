import { formatShape, rowsCols } from '@rnnkit/core';
import type { CpuData } from '../tensor.js';
import { invalid, shapeError } from '../validate.js';

/** Joins parts [M, N_i] side by side → [M, Σ N_i] (gate blocks back into one row). */
export function concatColumns(parts: readonly CpuData[]): CpuData {
  if (parts.length === 0) invalid('concatColumns', 'parts', 'at least one tensor', 0);
  const M = rowsCols(parts[0].shape)[0];
  let total = 0;
  const widths = parts.map((p, i) => {
    const [r, c] = rowsCols(p.shape);
    if (r !== M) shapeError('concatColumns', `parts[${i}]`, `[${M}, *] (the rows of parts[0] ${formatShape(parts[0].shape)})`, p.shape);
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
  return { data: out, shape: [M, total] };
}
