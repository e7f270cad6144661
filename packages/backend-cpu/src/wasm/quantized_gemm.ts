import type { WasmArena } from './arena.js';
import type { WasmKernels } from './load.js';
import type { PackedQuantized } from './quantized_pack.js';

/** Addresses of a packed int8 weight in the arena: panels, row sums and scales (both padded to panels). */
export interface PackedInArena {
  wp: number;
  rowsum: number;
  sw: number;
}

/** Copies a packed weight into the arena. */
export function putPacked(A: WasmArena, p: PackedQuantized): PackedInArena {
  return { wp: A.putBytes(p.packed), rowsum: A.putI32(p.rowsum), sw: A.put(p.scales) };
}

/** bias[0 .. N) zero-padded to a multiple of 8 (the kernels read whole 4-lane vectors), or 0 for none. */
export function putBias(A: WasmArena, bias: Float32Array | undefined, N: number): number {
  if (!bias) return 0;
  const p = A.zeros(Math.ceil(N / 8) * 32);
  A.f32(p, N).set(bias.subarray(0, N));
  return p;
}

/** Bytes `quantizedMatmulWasm` allocates, in order, for the arena's reserve. */
export function quantizedMatmulBytes(w: WasmKernels, M: number, N: number, K: number, p: PackedQuantized, bias: boolean): number[] {
  const N8 = Math.ceil(N / 8) * 8;
  return [M * K * 4, M * w.k.quantRowBytes(K), M * 4, M * 4, p.packed.length, N8 * 4, N8 * 4, bias ? N8 * 4 : 0, M * N * 4];
}

/**
 * x [M, K] · Wqᵀ (+ bias) → y [M, N] on the int8 kernels (assembly/quantized_gemm.ts): x copied
 * in, its rows quantized there, the product, y copied out.
 */
export function quantizedMatmulWasm(w: WasmKernels, x: Float32Array, M: number, p: PackedQuantized, bias: Float32Array | undefined, K: number): Float32Array {
  const { k, arena: A } = w;
  const N = p.N;
  A.scratch();
  const px = A.put(x.subarray(0, M * K));
  const q = A.alloc(M * k.quantRowBytes(K));
  const sx = A.alloc(M * 4);
  const zx = A.alloc(M * 4);
  const W = putPacked(A, p);
  const pb = putBias(A, bias, N);
  const y = A.alloc(M * N * 4);
  k.quantizeRows(M, K, px, K, q, sx, zx);
  k.quantizedGemm(M, N, K, q, sx, zx, W.wp, W.rowsum, W.sw, pb, y, N);
  return A.take(y, M * N);
}
