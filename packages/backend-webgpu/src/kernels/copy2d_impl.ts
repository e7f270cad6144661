import type { GpuBuf } from '../pool.js';
import { grid1d, kernel, type Program } from '../program.js';
import { WG, WGSL_INDEX } from './elementwise_impl.js';

/**
 * Strided block copy: dst[dOff + r·dLd + c] = src[sOff + r·sLd + c] for a [rows, width] block;
 * with `transpose` the destination is written as dst[dOff + c·dLd + r].
 */
const def = kernel({
  key: 'copy2d',
  params: [
    ['rows', 'u32'],
    ['width', 'u32'],
    ['sOff', 'u32'],
    ['sLd', 'u32'],
    ['dOff', 'u32'],
    ['dLd', 'u32'],
    ['transpose', 'u32'],
  ],
  buffers: [
    ['src', 'read', 'f32'],
    ['dst', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i >= P.rows * P.width) { return; }
  let r = i / P.width;
  let c = i % P.width;
  let d = select(P.dOff + r * P.dLd + c, P.dOff + c * P.dLd + r, P.transpose != 0u);
  dst[d] = src[P.sOff + r * P.sLd + c];
}`,
});

export interface Copy2d {
  rows: number;
  width: number;
  sOff?: number;
  sLd: number;
  dOff?: number;
  dLd: number;
  transpose?: boolean;
}

export function encodeCopy2d(p: Program, src: GpuBuf, dst: GpuBuf, c: Copy2d, maxWorkgroups: number): void {
  p.dispatch(
    def,
    { rows: c.rows, width: c.width, sOff: c.sOff ?? 0, sLd: c.sLd, dOff: c.dOff ?? 0, dLd: c.dLd, transpose: c.transpose ?? false },
    [src, dst],
    grid1d(c.rows * c.width, WG, maxWorkgroups),
  );
}
