import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { WG, WGSL_INDEX } from './elementwise_impl.js';

const def = kernel({
  key: 'add_row_vector',
  params: [
    ['n', 'u32'],
    ['N', 'u32'],
  ],
  buffers: [
    ['a', 'read', 'f32'],
    ['v', 'read', 'f32'],
    ['out', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i < P.n) { out[i] = a[i] + v[i % P.N]; }
}`,
});

/** a [M, N] + v [N] on every row. */
export function addRowVector(ctx: WebgpuContext, a: WebgpuTensor, v: WebgpuTensor): WebgpuTensor {
  const [M, N] = rowsCols(a.shape);
  const out = ctx.alloc([M, N]);
  const p = ctx.program();
  p.dispatch(def, { n: a.size, N }, [a.buf, v.buf, out.buf], grid1d(a.size, WG, ctx.maxWorkgroups));
  p.submit();
  return out;
}
