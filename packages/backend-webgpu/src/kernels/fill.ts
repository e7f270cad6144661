import type { Shape } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkFinite } from '../validate.js';
import { WG, WGSL_INDEX } from './common.js';

const def = kernel({
  key: 'fill',
  params: [
    ['n', 'u32'],
    ['value', 'f32'],
  ],
  buffers: [['out', 'read_write', 'f32']],
  code: /* wgsl */ `${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i < P.n) { out[i] = P.value; }
}`,
});

/** A new tensor of `shape` with every element `value` (zeros use clearBuffer). */
export function fill(be: WebgpuBackend, shape: Shape, value: number): WebgpuTensor {
  checkFinite('fill', 'value', value);
  const out = be.alloc(shape, 'fill');
  const p = be.program();
  if (value === 0 && !Object.is(value, -0)) p.clear(out.buf, out.size * 4);
  else p.dispatch(def, { n: out.size, value }, [out.buf], grid1d(out.size, WG, be.maxWorkgroups));
  p.submit();
  return out;
}
