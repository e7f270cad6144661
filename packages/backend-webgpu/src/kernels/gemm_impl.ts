import type { WebgpuContext } from '../context.js';
import type { GpuBuf } from '../pool.js';
import { kernel, type Program } from '../program.js';

const TM = 32;
const TN = 32;
const TK = 16;

/**
 * Tiled GEMM: out = alpha · op(A) · op(B) + beta · C over strided 2-D views of buffers.
 * A 16×16 workgroup computes a 32×32 tile of out (2×2 per thread), staging 32×16 of A and
 * 16×32 of B in workgroup memory per K step. Each operand has an element offset and a leading
 * dimension (row stride), so kernels can multiply column blocks and row blocks in place;
 * ldc = 0 broadcasts one row of C (a bias) over every row.
 */
const gemm = kernel({
  key: 'gemm',
  params: [
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
  ],
  buffers: [
    ['a', 'read', 'f32'],
    ['b', 'read', 'f32'],
    ['c', 'read', 'f32'],
    ['out', 'read_write', 'f32'],
  ],
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

/** Records one GEMM into `p`. `dummy` is bound in place of an absent C. */
export function encodeGemm(p: Program, g: GemmArgs, dummy: GpuBuf): void {
  p.dispatch(
    gemm,
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
    [Math.ceil(g.N / TN), Math.ceil(g.M / TM)],
  );
}

/**
 * Refuses (UNSUPPORTED) a GEMM whose [M, N] result needs more workgroups along an axis than
 * the device allows; `argument` names what sets M or N.
 */
export function checkGemmGrid(ctx: WebgpuContext, op: string, M: number, N: number, argument: string): void {
  ctx.checkWorkgroups(op, argument, Math.max(Math.ceil(N / TN), Math.ceil(M / TM)), `a GEMM with a [${M}, ${N}] result`);
}
