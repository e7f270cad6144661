import type { MatmulOptions } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';
import { wasmFits } from '../wasm/elementwise.js';
import { gemmWasm, WASM_GEMM_MIN_WORK } from '../wasm/gemm.js';
import { gemm } from './gemm_impl.js';

/**
 * alpha · op(a) · op(b) + beta · c → [M, N]. a is [M, K] ([K, M] with transposeA), b is
 * [K, N] ([N, K] with transposeB), c is [M, N]. alpha defaults to 1, beta to 1 when c is given.
 * On the SIMD engine, products of at least WASM_GEMM_MIN_WORK multiply-adds run on its kernels.
 */
export function matmul(ctx: CpuContext, a: CpuTensor, b: CpuTensor, opts: MatmulOptions<CpuTensor>): CpuTensor {
  const transA = opts.transposeA ?? false;
  const transB = opts.transposeB ?? false;
  const [M, K] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const N = transB ? b.shape[0] : b.shape[1];
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 1;
  const out = new Float32Array(M * N);
  const c = opts.c;
  if (c && beta !== 0) {
    const cd = c.data;
    if (beta === 1) out.set(cd.subarray(0, M * N));
    else for (let i = 0; i < M * N; i++) out[i] = beta * cd[i];
  }
  const g = { M, N, K, a: a.data, transA, b: b.data, transB, alpha, out, accumulate: c !== undefined && beta !== 0 };
  if (ctx.wasm && M * N * K >= WASM_GEMM_MIN_WORK && wasmFits(ctx.wasm, (M * K + K * N + M * N) * 4 + ctx.wasm.k.gemmWorkBytes())) gemmWasm(ctx.wasm, g);
  else gemm(g);
  return new CpuTensor(out, [M, N]);
}
