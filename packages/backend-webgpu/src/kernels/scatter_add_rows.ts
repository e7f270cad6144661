import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { WG, WGSL_INDEX } from './elementwise_impl.js';

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
  for (var k = start[r]; k < start[r + 1u]; k++) { s += f32(a[src[k] * P.N + c]); }
  out[i] = F(s);
}`,
});

/** out[indices[i]] += a[i] into zeros [numRows, N]: the adjoint of gatherRows. */
export function scatterAddRows(ctx: WebgpuContext, a: WebgpuTensor, indices: Int32Array, numRows: number): WebgpuTensor {
  const [M, N] = rowsCols(a.shape);
  ctx.checkBinding('scatterAddRows', 'numRows', numRows + 1, `the row table of ${numRows} rows`); // the result: core's maxTensorBytes
  const start = new Uint32Array(numRows + 1);
  for (let i = 0; i < M; i++) start[indices[i] + 1]++;
  for (let r = 0; r < numRows; r++) start[r + 1] += start[r];
  const fillPos = start.slice(0, numRows);
  const src = new Uint32Array(M);
  for (let i = 0; i < M; i++) src[fillPos[indices[i]]++] = i;
  const out = ctx.alloc([numRows, N]);
  const p = ctx.program();
  p.dispatch(def, { rows: numRows, N }, [a.buf, p.tempData(start), p.tempData(src), out.buf], grid1d(numRows * N, WG, ctx.maxWorkgroups));
  p.submit();
  return out;
}
