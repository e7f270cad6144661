import { formatShape, rowsCols } from '@rnnkit/core';
import type { CpuData } from '../tensor.js';
import { invalid, shapeError } from '../validate.js';

/** Stacks parts [M_i, N] → [Σ M_i, N] (timesteps back into a sequence). */
export function concatRows(parts: readonly CpuData[]): CpuData {
  if (parts.length === 0) invalid('concatRows', 'parts', 'at least one tensor', 0);
  const N = rowsCols(parts[0].shape)[1];
  let rows = 0;
  parts.forEach((p, i) => {
    const [r, c] = rowsCols(p.shape);
    if (c !== N) shapeError('concatRows', `parts[${i}]`, `[*, ${N}] (the columns of parts[0] ${formatShape(parts[0].shape)})`, p.shape);
    rows += r;
  });
  const out = new Float32Array(rows * N);
  let off = 0;
  for (const p of parts) {
    out.set(p.data, off);
    off += p.data.length;
  }
  return { data: out, shape: [rows, N] };
}
