import type { Shape } from '@rnnkit/core';
import { RnnkitError } from '@rnnkit/core';
import type { MemoryKernels } from '@rnnkit/core/backend';
import { MAP_MODE_READ } from './constants.js';
import type { WebgpuContext } from './context.js';
import { fromHalfArray, toHalfArray } from './half.js';
import { WG, WGSL_INDEX } from './kernels/elementwise_impl.js';
import { grid1d, kernel } from './program.js';
import { WebgpuTensor } from './tensor.js';

const fillDef = kernel({
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
  if (i < P.n) { out[i] = F(P.value); }
}`,
});

/** Every element `value`: zeros clear the buffer, anything else is one dispatch. */
function filled(ctx: WebgpuContext, shape: Shape, value: number): WebgpuTensor {
  const out = ctx.alloc(shape);
  const p = ctx.program();
  if (value === 0 && !Object.is(value, -0)) p.clear(out.buf, out.size * ctx.floatBytes);
  else p.dispatch(fillDef, { n: out.size, value }, [out.buf], grid1d(out.size, WG, ctx.maxWorkgroups));
  p.submit();
  return out;
}

/**
 * Tensors are handles on pooled storage buffers (float32, or binary16 under precision `f16`:
 * `upload` rounds on the host, `read` widens). `read` copies into a pooled staging buffer and
 * maps it, then surfaces any GPU error reported meanwhile; `reshape` shares the storage
 * (reference counted), so `dispose` drops a reference and the buffer goes back to its pool
 * with the last one.
 */
export const webgpuMemory: MemoryKernels<WebgpuTensor, WebgpuContext> = {
  upload(ctx, data, shape) {
    const t = ctx.alloc(shape);
    if (data.length > 0) {
      // f16: rounded on the host, padded to 4 bytes (the buffer's size is a multiple of 4).
      const src = ctx.precision === 'f16' ? toHalfArray(data) : data;
      ctx.device.queue.writeBuffer(t.buf.buffer, 0, src.buffer, src.byteOffset, src.byteLength);
    }
    return t;
  },
  zeros: (ctx, shape) => filled(ctx, shape, 0),
  fill: (ctx, shape, value) => filled(ctx, shape, value),
  async read(ctx, x) {
    const bytes = Math.ceil((x.size * ctx.floatBytes) / 4) * 4; // copies and maps come in 4-byte units
    if (bytes === 0) {
      await ctx.device.queue.onSubmittedWorkDone();
      ctx.throwIfFailed();
      return new Float32Array(0);
    }
    const st = ctx.staging.acquire(bytes);
    const enc = ctx.device.createCommandEncoder({ label: 'rnnkit-read' });
    enc.copyBufferToBuffer(x.buf.buffer, 0, st.buffer, 0, bytes);
    ctx.device.queue.submit([enc.finish()]);
    ctx.counters.submits++;
    try {
      await st.buffer.mapAsync(MAP_MODE_READ, 0, bytes);
    } catch (e) {
      ctx.throwIfFailed();
      if (ctx.destroyed) throw new RnnkitError('DISPOSED', 'read: x: the webgpu backend was destroyed while the read was in flight', { argument: 'x' });
      throw new RnnkitError('BACKEND_UNAVAILABLE', `read: mapping the result failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const range = st.buffer.getMappedRange(0, bytes);
    const out = ctx.precision === 'f16' ? fromHalfArray(new Uint16Array(range), x.size) : new Float32Array(range.slice(0));
    st.buffer.unmap();
    if (!ctx.destroyed) ctx.staging.release(st);
    ctx.throwIfFailed();
    return out;
  },
  dispose(ctx, x) {
    if (!ctx.destroyed) x.storage.drop();
  },
  reshape: (_ctx, x, shape) => new WebgpuTensor(shape, x.storage.retain()),
};
