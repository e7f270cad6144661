import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkIndices, view2d } from '../validate.js';
import { WG, WGSL_INDEX } from './common.js';

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

/** out[i] = a[indices[i]]: [indices.length, N]. Indices are checked on the host. */
export function gatherRows(be: WebgpuBackend, a: Tensor, indices: Int32Array): WebgpuTensor {
  const x = be.own('gatherRows', 'a', a);
  const [M, N] = view2d(x);
  checkIndices('gatherRows', 'indices', indices, M);
  const out = be.alloc([indices.length, N]);
  const p = be.program();
  p.dispatch(def, { rows: indices.length, N }, [x.buf, p.tempData(indices), out.buf], grid1d(indices.length * N, WG, be.maxWorkgroups));
  p.submit();
  return out;
}
