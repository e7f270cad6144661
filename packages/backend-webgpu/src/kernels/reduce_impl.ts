import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import { kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';

const PARTS = 1024;

/**
 * Two-pass reduction of all elements to one: pass 1 has up to 1024 workgroups, each folding a
 * strided share into a partial; pass 2 folds the partials in one workgroup.
 */
const def = kernel({
  key: 'reduce_sum',
  params: [
    ['n', 'u32'],
    ['stride', 'u32'],
    ['square', 'u32'],
  ],
  buffers: [
    ['a', 'read', 'f32'],
    ['out', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  var s = 0.0;
  for (var i = wid.x * 256u + lid.x; i < P.n; i += P.stride) {
    let v = a[i];
    s += select(v, v * v, P.square != 0u);
  }
  part[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w = w / 2u) {
    if (lid.x < w) { part[lid.x] += part[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[wid.x] = part[0]; }
}`,
});

/** Σ a (or Σ a² with `square`): [1]. */
export function reduceAll(be: WebgpuBackend, op: string, a: Tensor, square: boolean): WebgpuTensor {
  const x = be.own(op, 'a', a);
  const out = be.alloc([1]);
  const p = be.program();
  const groups = Math.max(1, Math.min(PARTS, Math.ceil(x.size / 256)));
  if (groups === 1) {
    p.dispatch(def, { n: x.size, stride: 256, square }, [x.buf, out.buf], [1]);
  } else {
    const partials = p.temp(groups * 4);
    p.dispatch(def, { n: x.size, stride: groups * 256, square }, [x.buf, partials], [groups]);
    p.dispatch(def, { n: groups, stride: 256, square: false }, [partials, out.buf], [1]);
  }
  p.submit();
  return out;
}
