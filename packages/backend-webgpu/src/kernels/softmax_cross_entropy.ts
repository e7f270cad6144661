import type { Tensor } from '@rnnkit/core';
import { RnnkitError, formatShape } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import { kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkIndices, rank } from '../validate.js';
import { SOFTMAX_ROW, rowGrid } from './softmax_common.js';

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
  var m = -3.4e38;
  if (live) { for (var c = lid.x; c < P.C; c += 64u) { m = max(m, a[base + c]); } }
  m = foldMax(lid.x, m);
  var s = 0.0;
  if (live) { for (var c = lid.x; c < P.C; c += 64u) { s += exp(a[base + c] - m); } }
  s = foldSum(lid.x, s);
  if (!live) { return; }
  let t = targets[row];
  let skip = t == P.ignore;
  for (var c = lid.x; c < P.C; c += 64u) {
    let sm = exp(a[base + c] - m) / s;
    grad[base + c] = select(sm - select(0.0, 1.0, i32(c) == t), 0.0, skip);
  }
  if (lid.x == 0u) {
    if (skip) { loss[row] = 0.0; } else { loss[row] = log(s) + m - a[base + u32(t)]; }
  }
}`,
});

/** Per-row losses [N] and d(loss_i)/d(logits_i) [N, C]; targets are checked on the host. */
export function softmaxCrossEntropy(be: WebgpuBackend, logits: Tensor, targets: Int32Array, ignoreIndex: number): { loss: WebgpuTensor; grad: WebgpuTensor } {
  const x = be.own('softmaxCrossEntropy', 'logits', logits);
  rank('softmaxCrossEntropy', 'logits', x, 2);
  const [N, C] = x.shape;
  if (!(targets instanceof Int32Array) || targets.length !== N) {
    throw new RnnkitError('SHAPE_MISMATCH', `softmaxCrossEntropy: targets: expected an Int32Array of ${N} class ids (rows of logits ${formatShape(x.shape)}), got ${targets instanceof Int32Array ? targets.length : typeof targets}`, {
      argument: 'targets',
    });
  }
  checkIndices('softmaxCrossEntropy', 'targets', targets, C, ignoreIndex);
  const loss = be.alloc([N]);
  const grad = be.alloc([N, C]);
  const p = be.program();
  p.dispatch(def, { rows: N, C, ignore: ignoreIndex }, [x.buf, p.tempData(targets), loss.buf, grad.buf], rowGrid(N, be.maxWorkgroups));
  p.submit();
  return { loss, grad };
}
