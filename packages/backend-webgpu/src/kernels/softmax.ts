import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import { kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { view2d } from '../validate.js';
import { SOFTMAX_ROW, rowGrid } from './softmax_common.js';

const def = kernel({
  key: 'softmax',
  params: [
    ['rows', 'u32'],
    ['C', 'u32'],
  ],
  buffers: [
    ['a', 'read', 'f32'],
    ['out', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `${SOFTMAX_ROW}
@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let row = rowIndex(wid, nw);
  let live = row < P.rows;
  let base = row * P.C;
  var m = -3.4e38;
  if (live) { for (var c = lid.x; c < P.C; c += 64u) { m = max(m, a[base + c]); } }
  m = foldMax(lid.x, m);
  var s = 0.0;
  if (live) { for (var c = lid.x; c < P.C; c += 64u) { s += exp(a[base + c] - m); } }
  s = foldSum(lid.x, s);
  if (live) { for (var c = lid.x; c < P.C; c += 64u) { out[base + c] = exp(a[base + c] - m) / s; } }
}`,
});

/** Row-wise softmax of [N, C]. */
export function softmax(be: WebgpuBackend, a: Tensor): WebgpuTensor {
  const x = be.own('softmax', 'a', a);
  const [rows, C] = view2d(x);
  const out = be.alloc(x.shape);
  const p = be.program();
  p.dispatch(def, { rows, C }, [x.buf, out.buf], rowGrid(rows, be.maxWorkgroups));
  p.submit();
  return out;
}
