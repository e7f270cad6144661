import { int8RowSums, quantizeActivationRow, quantizedMatmulHost } from '@rnnkit/core/backend';
import { describe, expect, it } from 'vitest';
import type { WasmKernels } from '../src/wasm/load.js';
import { loadWasmKernels, wasmSupport } from '../src/wasm/load.js';
import { packQuantized } from '../src/wasm/quantized_pack.js';

/**
 * The int8 kernels (assembly/quantized_gemm.ts) against core's plain-JS statement of the integer
 * scheme (composite/int8_impl.ts: quantizeActivationRow, quantizedMatmulHost), per wasm build: the quantized activation rows, their scales and zero points, and the
 * float outputs agree bit for bit (the integer sums are exact and the float epilogue is the same
 * three float32 operations, no fused multiply-add, in both builds).
 */

/** Core's reference: each row's (q, s, z) and the product, from composite/int8_impl.ts. */
function refGemm(x: Float32Array, M: number, K: number, w: Int8Array, sw: Float32Array, N: number, bias: Float32Array | undefined) {
  const qm = { data: w, scales: sw, shape: [N, K] as [number, number] };
  const y = quantizedMatmulHost(x, M, qm, int8RowSums(qm), bias);
  const rows = [];
  for (let m = 0; m < M; m++) {
    const q = new Uint8Array(K);
    const { scale, zero } = quantizeActivationRow(x, m * K, K, q);
    rows.push({ q: Number.isNaN(scale) ? new Array(K).fill(0) : Array.from(q), s: scale, z: zero });
  }
  return { y, rows };
}

/** A small deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function runKernel(w: WasmKernels, x: Float32Array, M: number, K: number, wq: Int8Array, sw: Float32Array, N: number, bias: Float32Array | undefined) {
  const { k, arena: A } = w;
  const G = k.quantGroupK();
  const pk = packQuantized(wq, sw, N, K, G);
  A.reset();
  const px = A.put(x);
  const rowBytes = k.quantRowBytes(K);
  const pq = A.alloc(M * rowBytes);
  const psx = A.alloc(M * 4);
  const pzx = A.alloc(M * 4);
  const pw = A.putBytes(pk.packed);
  const prs = A.putI32(pk.rowsum);
  const psw = A.put(pk.scales);
  const pb = bias ? A.put(Float32Array.from({ length: pk.scales.length }, (_, i) => (i < N ? bias[i] : 0))) : 0;
  const py = A.alloc(M * N * 4);
  k.quantizeRows(M, K, px, K, pq, psx, pzx);
  k.quantizedGemm(M, N, K, pq, psx, pzx, pw, prs, psw, pb, py, N);
  const mem = k.memory.buffer;
  const qRows: number[][] = [];
  for (let m = 0; m < M; m++) {
    const row = G === 4 ? Array.from(new Uint8Array(mem, pq + m * rowBytes, K)) : Array.from(new Int16Array(mem, pq + m * rowBytes, K));
    qRows.push(row);
  }
  return { y: A.take(py, M * N), sx: A.take(psx, M), zx: Array.from(new Int32Array(mem, pzx, M)), qRows };
}

const builds = [false, ...(wasmSupport().relaxedSimd ? [true] : [])];

describe.each(builds.map((fma) => ({ fma, name: fma ? 'relaxed (8-bit dot)' : 'plain SIMD (16-bit dot)' })))('int8 GEMM, $name build', ({ fma }) => {
  it('quantizes rows and multiplies bit for bit like the reference, at every edge size', async () => {
    const w = await loadWasmKernels({ fma });
    expect(w).toBeDefined();
    if (!w) return;
    expect(w.k.quantGroupK()).toBe(fma ? 4 : 2);
    const rand = rng(17);
    for (const M of [1, 2, 3, 4, 5, 7, 33, 70]) {
      for (const N of [1, 7, 8, 9, 16, 17, 40]) {
        for (const K of [1, 3, 4, 5, 8, 31, 64, 130]) {
          const x = Float32Array.from({ length: M * K }, () => (rand() - 0.3) * 4);
          const wq = Int8Array.from({ length: N * K }, () => Math.round((rand() * 2 - 1) * 127));
          const sw = Float32Array.from({ length: N }, () => rand() * 0.05);
          const bias = M % 2 === 0 ? Float32Array.from({ length: N }, () => rand() - 0.5) : undefined;
          const ref = refGemm(x, M, K, wq, sw, N, bias);
          const got = runKernel(w, x, M, K, wq, sw, N, bias);
          const where = `M=${M} N=${N} K=${K}`;
          expect(got.zx, where).toEqual(ref.rows.map((r) => r.z));
          expect(Array.from(got.sx), where).toEqual(ref.rows.map((r) => r.s));
          expect(got.qRows, where).toEqual(ref.rows.map((r) => r.q));
          expect(Array.from(got.y), where).toEqual(Array.from(ref.y));
        }
      }
    }
  });

  it('handles rows of one sign, all zeros, underflow, non-finite values, and ties that round to even', async () => {
    const w = await loadWasmKernels({ fma });
    if (!w) return;
    const K = 12;
    const rows = [
      new Array(K).fill(0), // s = 0: q = 0, z = 0
      Array.from({ length: K }, (_, i) => i + 1), // all positive: z = 0
      Array.from({ length: K }, (_, i) => -(i + 1)), // all negative: z = 127
      // hi − lo = 127 → s = 1: x/s lands on .5 ties, which go to the even neighbour
      [-63.5, 63.5, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, -3.5, 10.5, 11.5],
      new Array(K).fill(1e-45), // a range that underflows: s = 0
      [1, 2, Number.NaN, 4, 5, 6, 7, 8, 9, 10, 11, 12], // NaN: the whole output row is NaN
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, Number.POSITIVE_INFINITY], // ∞ in the scalar tail
      [3e38, -3e38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // hi − lo overflows float32
    ];
    const M = rows.length;
    const x = Float32Array.from(rows.flat());
    const N = 9;
    const wq = Int8Array.from({ length: N * K }, (_, i) => ((i * 37) % 255) - 127);
    const sw = Float32Array.from({ length: N }, (_, i) => 0.01 * (i + 1));
    const bias = Float32Array.from({ length: N }, (_, i) => i - 4);
    const ref = refGemm(x, M, K, wq, sw, N, bias);
    const got = runKernel(w, x, M, K, wq, sw, N, bias);
    expect(got.qRows).toEqual(ref.rows.map((r) => r.q));
    expect(got.zx).toEqual(ref.rows.map((r) => r.z));
    expect(Array.from(got.sx)).toEqual(ref.rows.map((r) => r.s));
    expect(ref.rows[3].q.slice(2, 8)).toEqual([64, 66, 66, 64, 62, 62]); // z = 64: 0.5→0, 1.5→2, 2.5→2, −0.5→−0, −1.5→−2, −2.5→−2
    for (const m of [5, 6, 7]) expect(Array.from(got.y.subarray(m * N, (m + 1) * N)).every(Number.isNaN)).toBe(true);
    expect(Array.from(got.y)).toEqual(Array.from(ref.y));
  });
});
