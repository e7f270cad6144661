import type { Tensor } from '@rnnkit/core';
import { RnnkitError, formatShape } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { view2d } from '../validate.js';
import { WG, WGSL_INDEX } from './common.js';

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
export function addRowVector(be: WebgpuBackend, a: Tensor, v: Tensor): WebgpuTensor {
  const x = be.own('addRowVector', 'a', a);
  const w = be.own('addRowVector', 'v', v);
  const N = view2d(x)[1];
  if (w.size !== N) {
    throw new RnnkitError('SHAPE_MISMATCH', `addRowVector: v: expected [${N}] (columns of a ${formatShape(x.shape)}), got ${formatShape(w.shape)}`, { argument: 'v' });
  }
  const out = be.alloc(x.shape);
  const p = be.program();
  p.dispatch(def, { n: x.size, N }, [x.buf, w.buf, out.buf], grid1d(x.size, WG, be.maxWorkgroups));
  p.submit();
  return out;
}
