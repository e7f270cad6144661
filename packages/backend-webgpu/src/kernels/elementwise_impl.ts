import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import { grid1d, type KernelDef, kernel } from '../program.js';
import type { WebgpuTensor } from '../tensor.js';

/**
 * WGSL helpers shared by kernels: overflow-free sigmoid and tanh (plain exp() can overflow to
 * inf for large |x|, and some drivers' tanh returns NaN there).
 */
export const WGSL_MATH = /* wgsl */ `
fn sigm(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
fn tanh_(x: f32) -> f32 {
  return tanh(clamp(x, -15.0, 15.0));
}
`;

/** Threads per workgroup of the 1-D elementwise kernels. */
export const WG = 256;

/** Linear index of a thread in a 1-D grid folded into x and y (see `grid1d`). */
export const WGSL_INDEX = /* wgsl */ `
fn flatIndex(gid: vec3u, nw: vec3u) -> u32 {
  return gid.x + gid.y * nw.x * ${WG}u;
}
`;

/** Elementwise kernel on one input: `expr` (f32) uses x = a[i] (widened to f32) and the params s, t. */
export function unaryKernel(name: string, expr: string): KernelDef {
  return kernel({
    key: `unary_${name}`,
    params: [
      ['n', 'u32'],
      ['s', 'f32'],
      ['t', 'f32'],
    ],
    buffers: [
      ['a', 'read', 'f32'],
      ['out', 'read_write', 'f32'],
    ],
    code: /* wgsl */ `${WGSL_MATH}${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i >= P.n) { return; }
  let x = f32(a[i]);
  out[i] = F(${expr});
}`,
  });
}

/** Elementwise kernel on two same-shaped inputs: `expr` uses x = a[i], y = b[i]. */
export function binaryKernel(name: string, expr: string): KernelDef {
  return kernel({
    key: `binary_${name}`,
    params: [['n', 'u32']],
    buffers: [
      ['a', 'read', 'f32'],
      ['b', 'read', 'f32'],
      ['out', 'read_write', 'f32'],
    ],
    code: /* wgsl */ `${WGSL_MATH}${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i >= P.n) { return; }
  let x = f32(a[i]);
  let y = f32(b[i]);
  out[i] = F(${expr});
}`,
  });
}

/** Applies a unary kernel to every element of x: a new tensor of x's shape. */
export function runUnary(ctx: WebgpuContext, def: KernelDef, x: WebgpuTensor, s = 0, t = 0): WebgpuTensor {
  const out = ctx.alloc(x.shape);
  const p = ctx.program();
  p.dispatch(def, { n: x.size, s, t }, [x.buf, out.buf], grid1d(x.size, WG, ctx.maxWorkgroups));
  p.submit();
  return out;
}

/** Applies a binary kernel to matching elements of x and y (same size): a new tensor of x's shape. */
export function runBinary(ctx: WebgpuContext, def: KernelDef, x: WebgpuTensor, y: WebgpuTensor): WebgpuTensor {
  const out = ctx.alloc(x.shape);
  const p = ctx.program();
  p.dispatch(def, { n: x.size }, [x.buf, y.buf, out.buf], grid1d(x.size, WG, ctx.maxWorkgroups));
  p.submit();
  return out;
}

/**
 * Kernel of a [M, N] and a vector broadcast along rows or columns: `expr` uses x = a[i],
 * col = i % N and row = i / N.
 */
export function vectorKernel(name: string, expr: string): KernelDef {
  return kernel({
    key: `vector_${name}`,
    params: [
      ['n', 'u32'],
      ['N', 'u32'],
    ],
    buffers: [
      ['a', 'read', 'f32'],
      ['v', 'read', 'f32'],
      ['out', 'read_write', 'f32'],
    ],
    code: /* wgsl */ `${WGSL_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flatIndex(gid, nw);
  if (i >= P.n) { return; }
  let x = f32(a[i]);
  let col = i % P.N;
  let row = i / P.N;
  out[i] = F(${expr});
}`,
  });
}

/** Applies a vector kernel to a (viewed as [M, N]) and v: a new [M, N] tensor. */
export function runVector(ctx: WebgpuContext, def: KernelDef, a: WebgpuTensor, v: WebgpuTensor): WebgpuTensor {
  const [M, N] = rowsCols(a.shape);
  const out = ctx.alloc([M, N]);
  const p = ctx.program();
  p.dispatch(def, { n: a.size, N: Math.max(N, 1) }, [a.buf, v.buf, out.buf], grid1d(a.size, WG, ctx.maxWorkgroups));
  p.submit();
  return out;
}
