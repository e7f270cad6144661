import type { SgdUpdateArgs, SgdUpdateResult } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import { grid1d, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';
import { WG, WGSL_INDEX } from './elementwise_impl.js';

const def = kernel({
  key: 'sgd_update',
  params: [
    ['n', 'u32'],
    ['lr', 'f32'],
    ['momentum', 'f32'],
    ['dampening', 'f32'],
    ['weightDecay', 'f32'],
    ['nesterov', 'u32'],
    ['hasVelocity', 'u32'],
  ],
  buffers: [
    ['param', 'read', 'f32'],
    ['grad', 'read', 'f32'],
    ['vel', 'read', 'f32'],
    ['outParam', 'read_write', 'f32'],
    ['outVel', 'read_write', 'f32'],
  ],
  code: /* wgsl */ `${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i >= P.n) { return; }
  let p = f32(param[i]);
  var g = f32(grad[i]) + P.weightDecay * p;
  if (P.momentum != 0.0) {
    var buf = g;
    if (P.hasVelocity != 0u) { buf = P.momentum * f32(vel[i]) + (1.0 - P.dampening) * g; }
    outVel[i] = F(buf);
    g = select(buf, g + P.momentum * buf, P.nesterov != 0u);
  }
  outParam[i] = F(p - P.lr * g);
}`,
});

/** One fused torch.optim.SGD step (core's `SgdUpdateArgs`): new param, and velocity when momentum > 0. */
export function sgdUpdate(ctx: WebgpuContext, a: SgdUpdateArgs<WebgpuTensor>): SgdUpdateResult<WebgpuTensor> {
  ctx.refuseUnderF16('sgdUpdate');
  const { param, grad, velocity } = a;
  const outParam = ctx.alloc(param.shape);
  const outVel = a.momentum !== 0 ? ctx.alloc(param.shape) : undefined;
  const p = ctx.program();
  p.dispatch(
    def,
    {
      n: param.size,
      lr: a.lr,
      momentum: a.momentum,
      dampening: a.dampening,
      weightDecay: a.weightDecay,
      nesterov: a.nesterov,
      hasVelocity: velocity !== undefined,
    },
    [param.buf, grad.buf, velocity?.buf ?? ctx.dummy, outParam.buf, outVel?.buf ?? p.temp(4)],
    grid1d(param.size, WG, ctx.maxWorkgroups),
  );
  p.submit();
  return { param: outParam, ...(outVel ? { velocity: outVel } : {}) };
}
