import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** Stacks parts [M_i, N] → [Σ M_i, N] (timesteps back into a sequence). */
export function concatRows(_: CpuContext, parts: readonly CpuTensor[]): CpuTensor {
  const N = rowsCols(parts[0].shape)[1];
  let rows = 0;
  for (const p of parts) rows += rowsCols(p.shape)[0];
  const out = new Float32Array(rows * N);
  let off = 0;
  for (const p of parts) {
    out.set(p.data, off);
    off += p.data.length;
  }
  return new CpuTensor(out, [rows, N]);
}
