import type { Tensor } from '@rnnkit/core';
import { RnnkitError, formatShape } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkIndices, checkInt, view2d } from '../validate.js';
import { WG, WGSL_INDEX } from './common.js';

/**
 * Each output element sums its source rows, listed per output row (CSR built on the host from
 * the indices): deterministic, and no float atomics needed.
 */
const def = kernel({
  key: 'scatter_add_rows',
  params: [
    ['rows', 'u32'],
    ['N', 'u32'],
  ],
  buffers: [
    ['a', 'read', 'f32'],
    ['start', 'read', 'u32'],
    ['src', 'read', 'u32'],
    ['out', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i >= P.rows * P.N) { return; }
  let r = i / P.N;
  let c = i % P.N;
  var s = 0.0;
  for (var k = start[r]; k < start[r + 1u]; k++) { s += a[src[k] * P.N + c]; }
  out[i] = s;
}`,
});

/** out[indices[i]] += a[i] into zeros [numRows, N]: the adjoint of gatherRows. */
export function scatterAddRows(be: WebgpuBackend, a: Tensor, indices: Int32Array, numRows: number): WebgpuTensor {
  const x = be.own('scatterAddRows', 'a', a);
  const [M, N] = view2d(x);
  checkInt('scatterAddRows', 'numRows', numRows, 0, 2 ** 31 - 1);
  checkIndices('scatterAddRows', 'indices', indices, numRows);
  if (indices.length !== M) {
    throw new RnnkitError('SHAPE_MISMATCH', `scatterAddRows: indices: expected ${M} entries (rows of a ${formatShape(x.shape)}), got ${indices.length}`, {
      argument: 'indices',
    });
  }
  const start = new Uint32Array(numRows + 1);
  for (let i = 0; i < M; i++) start[indices[i] + 1]++;
  for (let r = 0; r < numRows; r++) start[r + 1] += start[r];
  const fillPos = start.slice(0, numRows);
  const src = new Uint32Array(M);
  for (let i = 0; i < M; i++) src[fillPos[indices[i]]++] = i;
  const out = be.alloc([numRows, N]);
  const p = be.program();
  p.dispatch(def, { rows: numRows, N }, [x.buf, p.tempData(start), p.tempData(src), out.buf], grid1d(numRows * N, WG, be.maxWorkgroups));
  p.submit();
  return out;
}
