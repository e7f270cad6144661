import type { Tensor } from '@rnnkit/core';
import { RnnkitError, formatShape } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { view2d } from '../validate.js';
import { encodeCopy2d } from './copy2d.js';

/** Joins [M, N_i] tensors side by side: [M, Σ N_i]; one strided copy per part, one submit. */
export function concatColumns(be: WebgpuBackend, parts: readonly Tensor[]): WebgpuTensor {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new RnnkitError('INVALID_ARGUMENT', 'concatColumns: parts: expected a non-empty array of tensors', { argument: 'parts' });
  }
  const xs = parts.map((t, i) => be.own('concatColumns', `parts[${i}]`, t));
  const M = view2d(xs[0])[0];
  let total = 0;
  xs.forEach((x, i) => {
    const [m, n] = view2d(x);
    if (m !== M) {
      throw new RnnkitError('SHAPE_MISMATCH', `concatColumns: parts[${i}]: expected ${M} rows (as parts[0]), got ${formatShape(x.shape)}`, { argument: `parts[${i}]` });
    }
    total += n;
  });
  const out = be.alloc([M, total]);
  const p = be.program();
  let col = 0;
  for (const x of xs) {
    const n = view2d(x)[1];
    encodeCopy2d(p, x.buf, out.buf, { rows: M, width: n, sLd: n, dOff: col, dLd: total }, be.maxWorkgroups);
    col += n;
  }
  p.submit();
  return out;
}
