import { formatShape } from '@rnnkit/core';
import type { CpuData } from '../tensor.js';
import { check2d, checkExact, invalid, shapeError } from '../validate.js';
import { WASM_GEMM_MIN_WORK, gemmWasm } from '../wasm/gemm.js';
import type { WasmKernels } from '../wasm/load.js';
import { gemm } from './gemm_impl.js';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  alpha?: number;
  c?: CpuData;
  beta?: number;
}

/**
 * alpha · op(a) · op(b) + beta · c → [M, N]. a is [M, K] ([K, M] with transposeA), b is
 * [K, N] ([N, K] with transposeB), c is [M, N]. alpha defaults to 1, beta to 1 when c is given.
 * With `wasm`, products of at least WASM_GEMM_MIN_WORK multiply-adds run on the SIMD kernels.
 */
export function matmul(a: CpuData, b: CpuData, opts: MatmulOptions = {}, wasm?: WasmKernels): CpuData {
  const transA = opts.transposeA ?? false;
  const transB = opts.transposeB ?? false;
  const [ar, ac] = check2d('matmul', 'a', a);
  const [br, bc] = check2d('matmul', 'b', b);
  const [M, K] = transA ? [ac, ar] : [ar, ac];
  const [Kb, N] = transB ? [bc, br] : [br, bc];
  if (Kb !== K) {
    const want = transB ? `[N, ${K}]` : `[${K}, N]`;
    shapeError('matmul', 'b', `${want} (K = ${K} from a ${formatShape(a.shape)}${transA ? ', transposed' : ''}${transB ? '; b transposed' : ''})`, b.shape);
  }
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 1;
  if (!Number.isFinite(alpha)) invalid('matmul', 'alpha', 'a finite number', alpha);
  if (!Number.isFinite(beta)) invalid('matmul', 'beta', 'a finite number', beta);
  const out = new Float32Array(M * N);
  const c = opts.c;
  if (c) {
    checkExact('matmul', 'c', c, [M, N]);
    if (beta !== 0) {
      const cd = c.data;
      if (beta === 1) out.set(cd.subarray(0, M * N));
      else for (let i = 0; i < M * N; i++) out[i] = beta * cd[i];
    }
  }
  const g = { M, N, K, a: a.data, transA, b: b.data, transB, alpha, out, accumulate: c !== undefined && beta !== 0 };
  if (wasm && M * N * K >= WASM_GEMM_MIN_WORK) gemmWasm(wasm, g);
  else gemm(g);
  return { data: out, shape: [M, N] };
}
