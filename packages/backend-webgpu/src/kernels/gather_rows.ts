import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { WG, WGSL_INDEX } from './elementwise_impl.js';

const def = kernel({
  key: 'gather_rows',
  params: [
    ['rows', 'u32'],
    ['N', 'u32'],
  ],
  buffers: [
    ['a', 'read', 'f32'],
    ['idx', 'read', 'i32'],
    ['out', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i >= P.rows * P.N) { return; }
  let r = i / P.N;
  out[i] = a[u32(idx[r]) * P.N + i % P.N];
}`,
});

/** out[i] = a[indices[i]]: [indices.length, N]. */
export function gatherRows(ctx: WebgpuContext, a: WebgpuTensor, indices: Int32Array): WebgpuTensor {
  const N = rowsCols(a.shape)[1];
  const rows = indices.length;
  ctx.checkBinding('gatherRows', 'indices', rows, `the table of ${rows} indices`); // the result: core's maxTensorBytes
  const out = ctx.alloc([rows, N]);
  const p = ctx.program();
  p.dispatch(def, { rows, N }, [a.buf, p.tempData(indices), out.buf], grid1d(rows * N, WG, ctx.maxWorkgroups));
  p.submit();
  return out;
}
