import type { AdamUpdateArgs, AdamUpdateResult } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { WG, WGSL_INDEX } from './elementwise_impl.js';

/** Bias corrections are folded on the host: stepSize = lr / (1 − β1^step), rsqrtBc2 = 1 / √(1 − β2^step). */
const def = kernel({
  key: 'adam_update',
  params: [
    ['n', 'u32'],
    ['beta1', 'f32'],
    ['beta2', 'f32'],
    ['eps', 'f32'],
    ['weightDecay', 'f32'],
    ['decayScale', 'f32'],
    ['decoupled', 'u32'],
    ['stepSize', 'f32'],
    ['rsqrtBc2', 'f32'],
  ],
  buffers: [
    ['param', 'read', 'f32'],
    ['grad', 'read', 'f32'],
    ['m0', 'read', 'f32'],
    ['v0', 'read', 'f32'],
    ['outParam', 'read_write', 'f32'],
    ['outM', 'read_write', 'f32'],
    ['outV', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i >= P.n) { return; }
  var p = f32(param[i]);
  var g = f32(grad[i]);
  if (P.weightDecay != 0.0) {
    if (P.decoupled != 0u) { p = p * P.decayScale; } else { g = g + P.weightDecay * p; }
  }
  let m = P.beta1 * f32(m0[i]) + (1.0 - P.beta1) * g;
  let v = P.beta2 * f32(v0[i]) + (1.0 - P.beta2) * (g * g);
  outM[i] = F(m);
  outV[i] = F(v);
  outParam[i] = F(p - P.stepSize * (m / (sqrt(v) * P.rsqrtBc2 + P.eps)));
}`,
});

/** One fused torch.optim.Adam / AdamW step (core's `AdamUpdateArgs`): new param, m and v. */
export function adamUpdate(ctx: WebgpuContext, a: AdamUpdateArgs<WebgpuTensor>): AdamUpdateResult<WebgpuTensor> {
  ctx.refuseUnderF16('adamUpdate');
  const { param } = a;
  const out = { param: ctx.alloc(param.shape), m: ctx.alloc(param.shape), v: ctx.alloc(param.shape) };
  const p = ctx.program();
  p.dispatch(
    def,
    {
      n: param.size,
      beta1: a.beta1,
      beta2: a.beta2,
      eps: a.eps,
      weightDecay: a.weightDecay,
      decayScale: 1 - a.lr * a.weightDecay,
      decoupled: a.decoupled,
      stepSize: a.lr / (1 - a.beta1 ** a.step),
      rsqrtBc2: 1 / Math.sqrt(1 - a.beta2 ** a.step),
    },
    [param.buf, a.grad.buf, a.m.buf, a.v.buf, out.param.buf, out.m.buf, out.v.buf],
    grid1d(param.size, WG, ctx.maxWorkgroups),
  );
  p.submit();
  return out;
}
