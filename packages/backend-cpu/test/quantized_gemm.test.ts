import { describe, expect, it } from 'vitest';
import type { WasmKernels } from '../src/wasm/load.js';
import { loadWasmKernels, wasmSupport } from '../src/wasm/load.js';
import { packQuantized } from '../src/wasm/quantized_pack.js';

/**
 * The int8 kernels (assembly/quantized_gemm.ts) against a plain-JS statement of the integer
 * scheme, per wasm build: the quantized activation rows, their scales and zero points, and the
 * float outputs agree bit for bit (the integer sums are exact and the float epilogue is the same
 * three float32 operations, no fused multiply-add, in both builds).
 */

const f = Math.fround;

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** One row's (q, s, z), as the kernels' header states it. */
function quantizeRowRef(x: Float32Array, K: number): { q: number[]; s: number; z: number } {
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < K; k++) {
    lo = Math.min(lo, x[k]);
    hi = Math.max(hi, x[k]);
  }
  let s = f(f(hi - lo) / 127);
  if (s === 0) s = 1;
  const z = Math.min(Math.max(roundHalfEven(f(-lo / s)), 0), 127);
  const q: number[] = [];
  for (let k = 0; k < K; k++) q.push(Math.min(Math.max(roundHalfEven(f(x[k] / s)) + z, 0), 127));
  return { q, s, z };
}

function refGemm(x: Float32Array, M: number, K: number, w: Int8Array, sw: Float32Array, N: number, bias: Float32Array | undefined) {
  const y = new Float32Array(M * N);
  const rows = [];
  for (let m = 0; m < M; m++) {
    const r = quantizeRowRef(x.subarray(m * K, (m + 1) * K), K);
    rows.push(r);
    for (let n = 0; n < N; n++) {
      let acc = 0;
      let rs = 0;
      for (let k = 0; k < K; k++) {
        acc += w[n * K + k] * r.q[k];
        rs += w[n * K + k];
      }
      const v = f(f(acc - r.z * rs) * f(sw[n] * r.s));
      y[m * N + n] = bias ? f(v + bias[n]) : v;
    }
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

  it('handles rows of one sign, all zeros, and ties that round to even', async () => {
    const w = await loadWasmKernels({ fma });
    if (!w) return;
    const K = 12;
    const rows = [
      new Array(K).fill(0), // s = 1, z = 0, q = 0
      Array.from({ length: K }, (_, i) => i + 1), // all positive: z = 0
      Array.from({ length: K }, (_, i) => -(i + 1)), // all negative: z = 127
      // hi − lo = 127 → s = 1: x/s lands on .5 ties, which go to the even neighbour
      [-63.5, 63.5, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, -3.5, 10.5, 11.5],
    ];
    const M = rows.length;
    const x = Float32Array.from(rows.flat());
    const N = 9;
    const wq = Int8Array.from({ length: N * K }, (_, i) => ((i * 37) % 255) - 127);
    const sw = Float32Array.from({ length: N }, (_, i) => 0.01 * (i + 1));
    const ref = refGemm(x, M, K, wq, sw, N, undefined);
    const got = runKernel(w, x, M, K, wq, sw, N, undefined);
    expect(got.qRows).toEqual(ref.rows.map((r) => r.q));
    expect(ref.rows[3].q.slice(2, 8)).toEqual([64, 66, 66, 64, 62, 62]); // z = 64: 0.5→0, 1.5→2, 2.5→2, −0.5→−0, −1.5→−2, −2.5→−2
    expect(Array.from(got.y)).toEqual(Array.from(ref.y));
  });
});
