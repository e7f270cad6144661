import type { GemmArgs } from '../kernels/gemm_impl.js';
import type { WasmKernels } from './load.js';

/**
 * Below this many multiply-adds (M·N·K) the plain-JS GEMM wins: copying the operands into the
 * module and back costs more than the arithmetic saves (measured crossover: 8³ to 16³).
 */
export const WASM_GEMM_MIN_WORK = 4096;

/** Floats a strided [rows, cols] view at `offset` spans. */
function span(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/** `gemm` of gemm_impl.ts (same arguments, same result) run by the SIMD kernels: operands copied in, the output copied back. */
export function gemmWasm(w: WasmKernels, g: GemmArgs): void {
  const { M, N, K } = g;
  const { k, arena } = w;
  const transA = g.transA ?? false;
  const transB = g.transB ?? false;
  const lda = g.lda ?? (transA ? M : K);
  const ldb = g.ldb ?? (transB ? K : N);
  const ldo = g.ldo ?? N;
  const aOff = g.aOffset ?? 0;
  const bOff = g.bOffset ?? 0;
  const oOff = g.outOffset ?? 0;
  const accumulate = g.accumulate ?? false;
  const aLen = transA ? span(K, M, lda) : span(M, K, lda);
  const bLen = transB ? span(N, K, ldb) : span(K, N, ldb);
  const oLen = span(M, N, ldo);
  arena.scratch();
  const pa = arena.put(g.a.subarray(aOff, aOff + aLen));
  const pb = arena.put(g.b.subarray(bOff, bOff + bLen));
  const out = g.out.subarray(oOff, oOff + oLen);
  const po = accumulate || ldo !== N ? arena.put(out) : arena.alloc(oLen * 4);
  const work = arena.alloc(k.gemmWorkBytes());
  k.gemm(M, N, K, g.alpha ?? 1, pa, lda, transA, pb, ldb, transB, po, ldo, accumulate, work);
  if (ldo === N) out.set(arena.f32(po, oLen));
  else for (let i = 0; i < M; i++) out.set(arena.f32(po + i * ldo * 4, N), i * ldo);
}
