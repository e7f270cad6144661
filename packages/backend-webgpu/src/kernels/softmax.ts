import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import { kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { rowGrid, SOFTMAX_ROW } from './softmax_impl.js';

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
  let ms = rowMaxSum(lid.x, base, live);
  let m = ms.x;
  let s = ms.y;
  if (live) { for (var c = lid.x; c < P.C; c += 64u) { out[base + c] = F(exp(f32(a[base + c]) - m) / s); } }
}`,
});

/** Row-wise softmax of [N, C]. */
export function softmax(ctx: WebgpuContext, a: WebgpuTensor): WebgpuTensor {
  const [rows, C] = rowsCols(a.shape);
  const out = ctx.alloc(a.shape);
  const p = ctx.program();
  p.dispatch(def, { rows, C }, [a.buf, out.buf], rowGrid(rows, ctx.maxWorkgroups));
  p.submit();
  return out;
}
