import type { WebgpuContext } from '../context.js';
import type { GpuBuf } from '../pool.js';
import { kernel, type Program } from '../program.js';
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
    let v = f32(a[i]);
    s += select(v, v * v, P.square != 0u);
  }
  part[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w = w / 2u) {
    if (lid.x < w) { part[lid.x] += part[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[wid.x] = F(part[0]); }
}`,
});

/** Σ x (or Σ x² with `square`): [1]. */
export function reduceAll(ctx: WebgpuContext, x: WebgpuTensor, square: boolean): WebgpuTensor {
  const out = ctx.alloc([1]);
  const p = ctx.program();
  const groups = Math.max(1, Math.min(PARTS, Math.ceil(x.size / 256)));
  if (groups === 1) {
    p.dispatch(def, { n: x.size, stride: 256, square }, [x.buf, out.buf], [1]);
  } else {
    const partials = p.temp(groups * ctx.floatBytes);
    p.dispatch(def, { n: x.size, stride: groups * 256, square }, [x.buf, partials], [groups]);
    p.dispatch(def, { n: groups, stride: 256, square: false }, [partials, out.buf], [1]);
  }
  p.submit();
  return out;
}

/**
 * Column sums of a strided [M, N] view: a 16×16 workgroup covers 16 columns; its 16 lanes per
 * column stride over the rows, then fold in workgroup memory.
 */
const sumRowsDef = kernel({
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
    for (var m = lid.y; m < P.M; m += 16u) { s += f32(a[P.aOff + m * P.lda + n]); }
  }
  part[lid.y * 16u + lid.x] = s;
  workgroupBarrier();
  for (var w = 8u; w > 0u; w = w / 2u) {
    if (lid.y < w) { part[lid.y * 16u + lid.x] += part[(lid.y + w) * 16u + lid.x]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && n < P.N) { out[P.oOff + n] = F(part[lid.x]); }
}`,
});

/** Workgroups along x that `encodeSumRows` dispatches for N columns. */
export const sumRowsGroups = (N: number): number => Math.ceil(N / 16);

/** Records out[oOff + n] = Σ_m a[aOff + m·lda + n]. */
export function encodeSumRows(p: Program, a: GpuBuf, M: number, N: number, out: GpuBuf, o: { aOff?: number; lda?: number; oOff?: number } = {}): void {
  p.dispatch(sumRowsDef, { M, N, aOff: o.aOff ?? 0, lda: o.lda ?? N, oOff: o.oOff ?? 0 }, [a, out], [sumRowsGroups(N)]);
}
