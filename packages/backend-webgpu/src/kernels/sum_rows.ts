import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { GpuBuf } from '../pool.js';
import { kernel, type Program } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { view2d } from '../validate.js';

/**
 * Column sums of a strided [M, N] view: a 16×16 workgroup covers 16 columns; its 16 lanes per
 * column stride over the rows, then fold in workgroup memory.
 */
const def = kernel({
  key: 'sum_rows',
  params: [
    ['M', 'u32'],
    ['N', 'u32'],
    ['aOff', 'u32'],
    ['lda', 'u32'],
    ['oOff', 'u32'],
  ],
  buffers: [
    ['a', 'read', 'f32'],
    ['out', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let n = wid.x * 16u + lid.x;
  var s = 0.0;
  if (n < P.N) {
    for (var m = lid.y; m < P.M; m += 16u) { s += a[P.aOff + m * P.lda + n]; }
  }
  part[lid.y * 16u + lid.x] = s;
  workgroupBarrier();
  for (var w = 8u; w > 0u; w = w / 2u) {
    if (lid.y < w) { part[lid.y * 16u + lid.x] += part[(lid.y + w) * 16u + lid.x]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && n < P.N) { out[P.oOff + n] = part[lid.x]; }
}`,
});

/** Records out[oOff + n] = Σ_m a[aOff + m·lda + n]. */
export function encodeSumRows(p: Program, a: GpuBuf, M: number, N: number, out: GpuBuf, o: { aOff?: number; lda?: number; oOff?: number } = {}): void {
  p.dispatch(def, { M, N, aOff: o.aOff ?? 0, lda: o.lda ?? N, oOff: o.oOff ?? 0 }, [a, out], [Math.ceil(N / 16)]);
}

/** Column sums of a [M, N]: [N]. Bias gradients. */
export function sumRows(be: WebgpuBackend, a: Tensor): WebgpuTensor {
  const x = be.own('sumRows', 'a', a);
  const [M, N] = view2d(x);
  const out = be.alloc([N]);
  const p = be.program();
  encodeSumRows(p, x.buf, M, N, out.buf);
  p.submit();
  return out;
}
