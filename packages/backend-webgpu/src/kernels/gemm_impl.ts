import { RnnkitError } from '@rnnkit/core';
import type { WebgpuContext } from '../context.js';
import type { GpuBuf } from '../pool.js';
import { type KernelDef, kernel, type Program } from '../program.js';

/**
 * Which GEMM kernel the backend records (`createWebgpuBackend({ gemmKernel })`):
 * - `tiled`: 32×32 output tiles staged through workgroup memory, 2×2 per thread — the GPU form;
 * - `blocked`: no workgroup memory and no barrier; each thread owns an 8×8 block of the
 *   output and reads its 8 rows of A and 8 columns of B straight from storage — the form for
 *   software adapters (lavapipe/llvmpipe, SwiftShader), where one workgroup is one CPU thread,
 *   every memory load costs ~10 ns per SIMD vector whatever its address pattern, and a barrier
 *   switches coroutines: 16 loads feed 64 multiply-adds. Measured on lavapipe (2 cores,
 *   scripts/gemm-speed.mjs): 1.0–1.8 GMAC/s, 4.4–5.5× the tiled form's 0.20–0.36, at the
 *   recurrent layers' shapes (an 8×4 block: 0.8–0.95; 4×4: ~0.7).
 * Both sum each output in k order 0…K−1 into one f32 accumulator, then alpha · sum + beta · c:
 * the same operations in the same order.
 */
export type GemmForm = 'tiled' | 'blocked';

/** The `gemmKernel` create option: `auto` (default) picks `blocked` on software adapters, `tiled` elsewhere. */
export type GemmKernelOption = 'auto' | GemmForm;

const TM = 32;
const TN = 32;
const TK = 16;

/**
 * What both GEMM forms compute: out = alpha · op(A) · op(B) + beta · C over strided 2-D views
 * of buffers. Each operand has an element offset and a leading dimension (row stride), so
 * kernels can multiply column blocks and row blocks in place; ldc = 0 broadcasts one row of C
 * (a bias) over every row.
 */
const GEMM_PARAMS: KernelDef['params'] = [
  ['M', 'u32'],
  ['N', 'u32'],
  ['K', 'u32'],
  ['aOff', 'u32'],
  ['lda', 'u32'],
  ['transA', 'u32'],
  ['bOff', 'u32'],
  ['ldb', 'u32'],
  ['transB', 'u32'],
  ['cOff', 'u32'],
  ['ldc', 'u32'],
  ['hasC', 'u32'],
  ['oOff', 'u32'],
  ['ldo', 'u32'],
  ['alpha', 'f32'],
  ['beta', 'f32'],
];
const GEMM_BUFFERS: KernelDef['buffers'] = [
  ['a', 'read', 'f32'],
  ['b', 'read', 'f32'],
  ['c', 'read', 'f32'],
  ['out', 'read_write', 'f32'],
];

/**
 * The tiled GEMM: a 16×16 workgroup computes a 32×32 tile of out (2×2 per thread), staging
 * 32×16 of A and 16×32 of B in workgroup memory per K step.
 */
const gemm = kernel({
  key: 'gemm',
  params: GEMM_PARAMS,
  buffers: GEMM_BUFFERS,
  code: /* wgsl */ `
const TM = ${TM}u;
const TN = ${TN}u;
const TK = ${TK}u;
var<workgroup> As: array<f32, ${TM * TK}>; // [TM][TK]
var<workgroup> Bs: array<f32, ${TK * TN}>; // [TK][TN]

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let tid = lid.y * 16u + lid.x;
  let m0 = wid.y * TM;
  let n0 = wid.x * TN;
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var k0 = 0u; k0 < P.K; k0 += TK) {
    for (var e = tid; e < TM * TK; e += 256u) {
      let mm = m0 + e / TK;
      let ka = k0 + e % TK;
      var va = 0.0;
      if (mm < P.M && ka < P.K) {
        va = f32(a[P.aOff + select(mm * P.lda + ka, ka * P.lda + mm, P.transA != 0u)]);
      }
      As[e] = va;
      let kb = k0 + e / TN;
      let nn = n0 + e % TN;
      var vb = 0.0;
      if (kb < P.K && nn < P.N) {
        vb = f32(b[P.bOff + select(kb * P.ldb + nn, nn * P.ldb + kb, P.transB != 0u)]);
      }
      Bs[e] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let a0 = As[lid.y * TK + kk];
      let a1 = As[(lid.y + 16u) * TK + kk];
      let b0 = Bs[kk * TN + lid.x];
      let b1 = Bs[kk * TN + lid.x + 16u];
      acc[0] += a0 * b0;
      acc[1] += a0 * b1;
      acc[2] += a1 * b0;
      acc[3] += a1 * b1;
    }
    workgroupBarrier();
  }
  for (var q = 0u; q < 4u; q++) {
    let m = m0 + lid.y + (q / 2u) * 16u;
    let n = n0 + lid.x + (q % 2u) * 16u;
    if (m < P.M && n < P.N) {
      var v = P.alpha * acc[q];
      if (P.hasC != 0u) { v += P.beta * f32(c[P.cOff + m * P.ldc + n]); }
      out[P.oOff + m * P.ldo + n] = F(v);
    }
  }
}`,
});

/** Output rows and columns of one thread's block in the blocked GEMM, and its workgroup size. */
const RM = 8;
const RN = 8;
const BLOCKED_WG = 64;

/**
 * The blocked GEMM (see `GemmForm`): thread g of the flattened grid (workgroups linearized
 * x-first, so any block count fits the per-dimension limit) owns output rows m0…m0+RM−1 and
 * columns n0…n0+RN−1 of block (g / nbN, g % nbN), nbN = ⌈N/RN⌉. Per k it loads a(m0+r, k) for
 * r < RM and b(k, n0+c) for c < RN — row and column indices clamped into the matrix, so every
 * load is in bounds and the loop has no branch — and does RM·RN multiply-adds in registers.
 * Out-of-matrix elements are computed from clamped rows and not stored.
 */
const blockedGemm = (() => {
  const rs = Array.from({ length: RM }, (_, r) => r);
  const cs = Array.from({ length: RN }, (_, c) => c);
  const each = (f: (r: number, c: number) => string) => rs.map((r) => cs.map((c) => f(r, c)).join(' ')).join('\n    ');
  return kernel({
    key: `gemm_blocked_${RM}x${RN}`,
    params: GEMM_PARAMS,
    buffers: GEMM_BUFFERS,
    code: /* wgsl */ `
@compute @workgroup_size(${BLOCKED_WG})
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let nbN = (P.N + ${RN - 1}u) / ${RN}u;
  let g = (wid.y * nwg.x + wid.x) * ${BLOCKED_WG}u + li;
  let m0 = (g / nbN) * ${RM}u;
  let n0 = (g % nbN) * ${RN}u;
  if (m0 >= P.M) { return; }
  // Element (m, k) of op(A) is a[P.aOff + m·am + k·ak]; (k, n) of op(B) is b[P.bOff + k·bk + n·bn].
  let am = select(P.lda, 1u, P.transA != 0u);
  let ak = select(1u, P.lda, P.transA != 0u);
  let bk = select(P.ldb, 1u, P.transB != 0u);
  let bn = select(1u, P.ldb, P.transB != 0u);
  ${rs.map((r) => `let ar${r} = P.aOff + min(m0 + ${r}u, P.M - 1u) * am;`).join('\n  ')}
  ${cs.map((c) => `let bc${c} = P.bOff + min(n0 + ${c}u, P.N - 1u) * bn;`).join('\n  ')}
  ${rs.map((r) => cs.map((c) => `var s${r}_${c} = 0.0;`).join(' ')).join('\n  ')}
  for (var k = 0u; k < P.K; k++) {
    ${rs.map((r) => `let a${r} = f32(a[ar${r} + k * ak]);`).join('\n    ')}
    ${cs.map((c) => `let b${c} = f32(b[bc${c} + k * bk]);`).join('\n    ')}
    ${each((r, c) => `s${r}_${c} += a${r} * b${c};`)}
  }
  ${each((r, c) => `put(m0 + ${r}u, n0 + ${c}u, s${r}_${c});`)}
}

/** out(m, n) = alpha · sum + beta · c(m, n), inside the matrix only. */
fn put(m: u32, n: u32, sum: f32) {
  if (m < P.M && n < P.N) {
    var v = P.alpha * sum;
    if (P.hasC != 0u) { v += P.beta * f32(c[P.cOff + m * P.ldc + n]); }
    out[P.oOff + m * P.ldo + n] = F(v);
  }
}`,
  });
})();

/**
 * Workgroups of the blocked GEMM for an [M, N] result: ⌈⌈M/RM⌉·⌈N/RN⌉ / 64⌉ of them, x-first,
 * x at most `maxPerDim` (the kernel linearizes them as wid.y · nwg.x + wid.x).
 */
export function blockedGrid(M: number, N: number, maxPerDim: number): [number, number] {
  const groups = Math.ceil((Math.ceil(M / RM) * Math.ceil(N / RN)) / BLOCKED_WG);
  const x = Math.min(groups, maxPerDim);
  return [x, Math.ceil(groups / Math.max(1, x))];
}

/** A strided 2-D operand: `buf` viewed from element `off` with row stride `ld`. */
export interface GemmOperand {
  buf: GpuBuf;
  off?: number;
  ld: number;
}

export interface GemmArgs {
  M: number;
  N: number;
  K: number;
  /** [M, K] (or [K, M] when transA). */
  a: GemmOperand;
  transA?: boolean;
  /** [K, N] (or [N, K] when transB). */
  b: GemmOperand;
  transB?: boolean;
  /** [M, N] added with weight beta; ld 0 broadcasts a row. Must not alias `out`. */
  c?: GemmOperand;
  beta?: number;
  alpha?: number;
  out: GemmOperand;
}

/** Records one GEMM into `p` in the program's GEMM form. `dummy` is bound in place of an absent C. */
export function encodeGemm(p: Program, g: GemmArgs, dummy: GpuBuf): void {
  const blocked = p.gemmForm === 'blocked';
  p.dispatch(
    blocked ? blockedGemm : gemm,
    {
      M: g.M,
      N: g.N,
      K: g.K,
      aOff: g.a.off ?? 0,
      lda: g.a.ld,
      transA: g.transA ?? false,
      bOff: g.b.off ?? 0,
      ldb: g.b.ld,
      transB: g.transB ?? false,
      cOff: g.c?.off ?? 0,
      ldc: g.c?.ld ?? 0,
      hasC: g.c !== undefined,
      oOff: g.out.off ?? 0,
      ldo: g.out.ld,
      alpha: g.alpha ?? 1,
      beta: g.beta ?? 1,
    },
    [g.a.buf, g.b.buf, g.c?.buf ?? dummy, g.out.buf],
    blocked ? blockedGrid(g.M, g.N, p.maxWorkgroups) : [Math.ceil(g.N / TN), Math.ceil(g.M / TM)],
  );
}

/**
 * Refuses (UNSUPPORTED) a GEMM whose [M, N] result needs more workgroups along an axis than
 * the device allows; `argument` names what sets M or N.
 */
export function checkGemmGrid(ctx: WebgpuContext, op: string, M: number, N: number, argument: string): void {
  const groups = ctx.gemmForm === 'blocked' ? blockedGrid(M, N, ctx.maxWorkgroups)[1] : Math.max(Math.ceil(N / TN), Math.ceil(M / TM));
  ctx.checkWorkgroups(op, argument, groups, `a GEMM with a [${M}, ${N}] result`);
}

/** The `gemmKernel` option, checked (INVALID_ARGUMENT names it), resolved against the adapter. */
export function resolveGemmKernel(v: unknown, software: boolean): GemmForm {
  if (v === undefined || v === 'auto') return software ? 'blocked' : 'tiled';
  if (v === 'tiled' || v === 'blocked') return v;
  throw new RnnkitError('INVALID_ARGUMENT', `createWebgpuBackend: gemmKernel: expected 'auto', 'tiled' or 'blocked', got ${JSON.stringify(v)}`, {
    argument: 'gemmKernel',
  });
}
