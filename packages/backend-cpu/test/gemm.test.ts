import { Rng } from '@rnnkit/core';
import { checkClose, randomArray } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import { gemm, transpose } from '../src/kernels/gemm_impl.js';
import { gemmWasm } from '../src/wasm/gemm.js';
import { loadWasmKernels } from '../src/wasm/load.js';
import { ENGINES } from './engines.js';

/** Straight triple loop in double: out[i, j] = alpha Σ_k A(i, k) B(k, j) (+ beta c). */
function refGemm(
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  transA: boolean,
  b: Float32Array,
  transB: boolean,
  alpha = 1,
  c?: Float32Array,
  beta = 1,
): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (transA ? a[k * M + i] : a[i * K + k]) * (transB ? b[j * K + k] : b[k * N + j]);
      out[i * N + j] = alpha * s + (c ? beta * c[i * N + j] : 0);
    }
  }
  return out;
}

describe('gemm_impl', () => {
  const rng = new Rng(7);
  // Sizes straddle the 4-row / 4-deep micro-kernel and the 256-wide blocks.
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 4, 4],
    [9, 13, 6],
    [33, 300, 17],
    [6, 7, 261],
    [0, 3, 2],
    [2, 3, 0],
  ];
  for (const [M, N, K] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`${M}x${N}x${K} transA=${transA} transB=${transB}`, () => {
          const a = randomArray(rng, M * K);
          const b = randomArray(rng, K * N);
          const out = new Float32Array(M * N);
          gemm({ M, N, K, a, transA, b, transB, out });
          checkClose(out, refGemm(M, N, K, a, transA, b, transB), 1e-5, `${M}x${N}x${K}`);
        });
      }
    }
  }

  it('multiplies strided views and accumulates into an output view', () => {
    // A = columns [2, 2+K) of a [M, 10] buffer; B = rows of a [K, 12] buffer at column 3; out = columns [1, 1+N) of [M, 9].
    const M = 6,
      N = 5,
      K = 7;
    const abuf = randomArray(rng, M * 10);
    const bbuf = randomArray(rng, K * 12);
    const obuf = randomArray(rng, M * 9);
    const before = obuf.slice();
    gemm({ M, N, K, a: abuf, aOffset: 2, lda: 10, b: bbuf, bOffset: 3, ldb: 12, out: obuf, outOffset: 1, ldo: 9, alpha: 0.5, accumulate: true });
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < 9; j++) {
        let want = before[i * 9 + j];
        if (j >= 1 && j < 1 + N) {
          let s = 0;
          for (let k = 0; k < K; k++) s += abuf[i * 10 + 2 + k] * bbuf[k * 12 + 3 + (j - 1)];
          want += 0.5 * s;
        }
        expect(Math.abs(obuf[i * 9 + j] - want)).toBeLessThan(1e-5);
      }
    }
  });

  it('transposes a strided view', () => {
    const src = Float32Array.from({ length: 4 * 6 }, (_, i) => i);
    // rows 0..2 of columns 1..4 (offset 1, ld 6) → [4, 3]
    const t = transpose(src, 1, 6, 3, 4);
    expect([...t]).toEqual([1, 7, 13, 2, 8, 14, 3, 9, 15, 4, 10, 16]);
  });
});

for (const { engine, fma } of ENGINES.filter((e) => e.engine !== 'cpu-js').map((e) => ({ engine: e.engine, fma: e.engine === 'cpu-wasm-relaxed-simd' }))) {
  describe(`wasm gemm [${engine}]`, async () => {
    const w = (await loadWasmKernels({ fma }))!;
    const rng = new Rng(17);
    // Straddles the 4 × 8 micro-tile, the one-row 32-column kernel, and the MC = 64, KC = 256,
    // NC = 512 packing blocks.
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [3, 5, 7],
      [4, 8, 4],
      [1, 77, 33],
      [2, 40, 9],
      [9, 13, 6],
      [67, 70, 260],
      [5, 1030, 20],
      [1, 600, 300],
      [130, 9, 513],
      [0, 3, 2],
      [2, 3, 0],
    ];
    for (const [M, N, K] of sizes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          it(`${M}x${N}x${K} transA=${transA} transB=${transB}`, () => {
            const a = randomArray(rng, M * K);
            const b = randomArray(rng, K * N);
            const out = randomArray(rng, M * N); // overwritten
            gemmWasm(w, { M, N, K, a, transA, b, transB, out });
            checkClose(out, refGemm(M, N, K, a, transA, b, transB), 1e-5, `${M}x${N}x${K}`);
          });
        }
      }
    }

    it('multiplies strided views and accumulates into an output view', () => {
      const M = 6,
        N = 37,
        K = 7;
      const abuf = randomArray(rng, M * 10);
      const bbuf = randomArray(rng, K * 45);
      const obuf = randomArray(rng, M * 41);
      const want = obuf.slice();
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += abuf[i * 10 + 2 + k] * bbuf[k * 45 + 3 + j];
          want[i * 41 + 1 + j] += 0.5 * s;
        }
      }
      gemmWasm(w, { M, N, K, a: abuf, aOffset: 2, lda: 10, b: bbuf, bOffset: 3, ldb: 45, out: obuf, outOffset: 1, ldo: 41, alpha: 0.5, accumulate: true });
      checkClose(obuf, want, 1e-5, 'strided');
    });
  });
}

for (const { engine, create } of ENGINES) {
  describe(`matmul [${engine}]`, async () => {
    const rng = new Rng(13);
    const be = await create();
    const up = (shape: [number, number]) => be.upload(randomArray(rng, shape[0] * shape[1]), shape);
    // 5·6·9 stays in JS on every engine; 24·33·17 is past WASM_GEMM_MIN_WORK.
    for (const [M, N, K] of [
      [5, 6, 9],
      [24, 33, 17],
    ]) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          it(`${M}x${N}x${K}: alpha · op(a) · op(b) + beta · c, transposeA=${transposeA} transposeB=${transposeB}`, () => {
            const a = up(transposeA ? [K, M] : [M, K]);
            const b = up(transposeB ? [N, K] : [K, N]);
            const c = up([M, N]);
            const copies = [a, b, c].map((t) => t.data.slice());
            checkClose(be.readSync(be.matmul(a, b, { transposeA, transposeB })), refGemm(M, N, K, a.data, transposeA, b.data, transposeB), 1e-5, 'plain');
            const full = be.matmul(a, b, { transposeA, transposeB, alpha: -0.5, c, beta: 2 });
            checkClose(be.readSync(full), refGemm(M, N, K, a.data, transposeA, b.data, transposeB, -0.5, c.data, 2), 1e-5, 'alpha, beta, c');
            const beta1 = be.matmul(a, b, { transposeA, transposeB, c });
            checkClose(be.readSync(beta1), refGemm(M, N, K, a.data, transposeA, b.data, transposeB, 1, c.data, 1), 1e-5, 'beta defaults to 1 with c');
            for (const [i, t] of [a, b, c].entries()) expect(t.data).toEqual(copies[i]);
          });
        }
      }
    }
  });
}
