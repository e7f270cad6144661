import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import { kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { rowGrid, SOFTMAX_ROW } from './softmax_impl.js';

/** loss_i = logsumexp(z_i) − z_i[t_i]; grad_i = softmax(z_i) − onehot(t_i); ignored rows give 0. */
const def = kernel({
  key: 'softmax_cross_entropy',
  params: [
    ['rows', 'u32'],
    ['C', 'u32'],
    ['ignore', 'i32'],
  ],
  buffers: [
    ['a', 'read', 'f32'],
    ['targets', 'read', 'i32'],
    ['loss', 'read_write', 'f32'],
    ['grad', 'read_write', 'f32'],
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
  if (!live) { return; }
  let t = targets[row];
  let skip = t == P.ignore;
  for (var c = lid.x; c < P.C; c += 64u) {
    let sm = exp(f32(a[base + c]) - m) / s;
    grad[base + c] = F(select(sm - select(0.0, 1.0, i32(c) == t), 0.0, skip));
  }
  if (lid.x == 0u) {
    if (skip) { loss[row] = F(0.0); } else { loss[row] = F(log(s) + m - f32(a[base + u32(t)])); }
  }
}`,
});

/** Per-row losses [N] and d(loss_i)/d(logits_i) [N, C]. */
export function softmaxCrossEntropy(
  ctx: WebgpuContext,
  logits: WebgpuTensor,
  targets: Int32Array,
  ignoreIndex: number,
): { loss: WebgpuTensor; grad: WebgpuTensor } {
  const [N, C] = rowsCols(logits.shape);
  const loss = ctx.alloc([N]);
  const grad = ctx.alloc([N, C]);
  const p = ctx.program();
  p.dispatch(def, { rows: N, C, ignore: ignoreIndex }, [logits.buf, p.tempData(targets), loss.buf, grad.buf], rowGrid(N, ctx.maxWorkgroups));
  p.submit();
  return { loss, grad };
}
