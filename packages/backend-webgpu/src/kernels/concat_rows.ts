import type { Tensor } from '@rnnkit/core';
import { RnnkitError, formatShape } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { view2d } from '../validate.js';

/** Stacks [M_i, N] tensors: [Σ M_i, N], as buffer copies in one submit. */
export function concatRows(be: WebgpuBackend, parts: readonly Tensor[]): WebgpuTensor {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new RnnkitError('INVALID_ARGUMENT', 'concatRows: parts: expected a non-empty array of tensors', { argument: 'parts' });
  }
  const xs = parts.map((t, i) => be.own('concatRows', `parts[${i}]`, t));
  const N = view2d(xs[0])[1];
  let rows = 0;
  xs.forEach((x, i) => {
    const [m, n] = view2d(x);
    if (n !== N) {
      throw new RnnkitError('SHAPE_MISMATCH', `concatRows: parts[${i}]: expected ${N} columns (as parts[0]), got ${formatShape(x.shape)}`, { argument: `parts[${i}]` });
    }
    rows += m;
  });
  const out = be.alloc([rows, N]);
  const p = be.program();
  let off = 0;
  for (const x of xs) {
    p.copy(x.buf, 0, out.buf, off * 4, x.size * 4);
    off += x.size;
  }
  p.submit();
  return out;
}
