import type { Tensor } from '@rnnkit/core';
import { RnnkitError, formatShape } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { view2d } from '../validate.js';
import { WG, WGSL_INDEX } from './common.js';

const def = kernel({
  key: 'mul_column_vector',
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
  if (i < P.n) { out[i] = a[i] * v[i / P.N]; }
}`,
});

/** a [M, N] with row m scaled by v[m] (v is [M]): masks per batch row. */
export function mulColumnVector(be: WebgpuBackend, a: Tensor, v: Tensor): WebgpuTensor {
  const x = be.own('mulColumnVector', 'a', a);
  const w = be.own('mulColumnVector', 'v', v);
  const [M, N] = view2d(x);
  if (w.size !== M) {
    throw new RnnkitError('SHAPE_MISMATCH', `mulColumnVector: v: expected [${M}] (rows of a ${formatShape(x.shape)}), got ${formatShape(w.shape)}`, { argument: 'v' });
  }
  const out = be.alloc(x.shape);
  const p = be.program();
  p.dispatch(def, { n: x.size, N: Math.max(N, 1) }, [x.buf, w.buf, out.buf], grid1d(x.size, WG, be.maxWorkgroups));
  p.submit();
  return out;
}
