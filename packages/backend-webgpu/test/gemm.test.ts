import { Rng } from '@rnnkit/core';
import { checkClose, randomArray } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebgpuBackend, type WebgpuBackend } from '../src/index.js';
import { blockedGrid } from '../src/kernels/gemm_impl.js';
import { noGpuErrors, rejection, requireAdapterInCi, startBackend } from './helpers.js';

const started = await startBackend();
requireAdapterInCi(started);
/** One backend per GEMM form, whatever `auto` picks on this adapter. */
const forms = started.be
  ? { tiled: await createWebgpuBackend({ gemmKernel: 'tiled' }), blocked: await createWebgpuBackend({ gemmKernel: 'blocked' }) }
  : undefined;
afterAll(() => {
  started.be?.destroy();
  forms?.tiled.destroy();
  forms?.blocked.destroy();
});

/** alpha · op(a) · op(b) + beta · c in float64, straight from the definition. */
function gemm64(
  a: Float32Array,
  b: Float32Array,
  M: number,
  N: number,
  K: number,
  o: { tA: boolean; tB: boolean; alpha: number; beta: number; c?: Float32Array },
): Float64Array {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (o.tA ? a[k * M + m] : a[m * K + k]) * (o.tB ? b[n * K + k] : b[k * N + n]);
      out[m * N + n] = o.alpha * s + (o.c ? o.beta * o.c[m * N + n] : 0);
    }
  return out;
}

/**
 * Both GEMM forms at their edges, beyond the kit's matmul cases: the tiled one's 32×32 tiles
 * and 16-deep K steps, the blocked one's 8×8 blocks and 64-thread workgroups.
 */
for (const form of ['tiled', 'blocked'] as const)
  describe.skipIf(!started.be)(`webgpu ${form} GEMM`, () => {
    const be = forms?.[form] as WebgpuBackend;
    it(`runs the ${form} kernel`, () => expect(be.gemmKernel).toBe(form));
    const rng = new Rng(11);
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [2, 3, 4],
      [32, 32, 16], // exactly one tile
      [33, 17, 65], // ragged edges in every dimension
      [70, 129, 31],
      [5, 300, 200],
      [9, 9, 3], // one blocked-form block past each edge
      [64, 260, 7], // ragged blocks over more than one blocked-form workgroup
    ];
    for (const [M, N, K] of sizes) {
      for (const tA of [false, true])
        for (const tB of [false, true]) {
          it(`[${M}×${K}]·[${K}×${N}] transposeA=${tA} transposeB=${tB}`, async () => {
            await noGpuErrors(be, async () => {
              const a = randomArray(rng, M * K);
              const b = randomArray(rng, K * N);
              const c = randomArray(rng, M * N);
              const A = be.upload(a, tA ? [K, M] : [M, K]);
              const B = be.upload(b, tB ? [N, K] : [K, N]);
              const plain = be.matmul(A, B, { transposeA: tA, transposeB: tB });
              expect(plain.shape).toEqual([M, N]);
              checkClose(await be.read(plain), gemm64(a, b, M, N, K, { tA, tB, alpha: 1, beta: 0 }), 1e-5, 'plain');
              const full = be.matmul(A, B, { transposeA: tA, transposeB: tB, alpha: -0.5, c: be.upload(c, [M, N]), beta: 2 });
              checkClose(await be.read(full), gemm64(a, b, M, N, K, { tA, tB, alpha: -0.5, beta: 2, c }), 1e-5, 'alpha/beta/c');
              for (const t of [A, B, plain, full]) be.dispose(t);
            });
          });
        }
    }
    it('K = 0 gives beta · c (or zeros); c defaults beta to 1', async () => {
      const c = randomArray(rng, 6);
      expect(Array.from(await be.read(be.matmul(be.zeros([2, 0]), be.zeros([0, 3]))))).toEqual([0, 0, 0, 0, 0, 0]);
      checkClose(
        await be.read(be.matmul(be.zeros([2, 0]), be.zeros([0, 3]), { c: be.upload(c, [2, 3]), beta: 3 })),
        Array.from(c, (x) => 3 * x),
        1e-6,
        'K = 0',
      );
      const a = randomArray(rng, 4);
      checkClose(
        await be.read(be.matmul(be.upload(a, [2, 2]), be.upload(a, [2, 2]), { c: be.upload(a, [2, 2]) })),
        gemm64(a, a, 2, 2, 2, { tA: false, tB: false, alpha: 1, beta: 1, c: a }),
        1e-6,
        'c without beta',
      );
    });
  });

describe('the blocked GEMM grid (blockedGrid)', () => {
  it('covers every 8×8 block with 64-thread workgroups, x-first, x within the per-dimension limit', () => {
    // [M, N, maxPerDim] → the workgroups needed, ⌈⌈M/8⌉·⌈N/8⌉ / 64⌉
    const cases: [number, number, number, number][] = [
      [1, 1, 65535, 1],
      [64, 64, 65535, 1],
      [65, 64, 65535, 2],
      [4096, 2048, 65535, 2048],
      [4096, 2048, 1000, 2048], // split over y: 1000 × 3
      [1 << 20, 64, 65535, 16384],
      [1 << 20, 1 << 12, 65535, 1 << 20], // past 65535: 65535 × 17
    ];
    for (const [M, N, max, groups] of cases) {
      const [x, y] = blockedGrid(M, N, max);
      expect(x).toBeLessThanOrEqual(max);
      expect(x * y).toBeGreaterThanOrEqual(groups);
      expect(x * (y - 1)).toBeLessThan(groups); // no whole row of idle workgroups
      expect(Math.ceil((Math.ceil(M / 8) * Math.ceil(N / 8)) / 64)).toBe(groups);
    }
  });
});

describe.skipIf(!started.be)('the gemmKernel option', () => {
  it('auto picks the blocked form on software adapters and the tiled form elsewhere', () => {
    const be = started.be!;
    const software = /llvmpipe|lavapipe|swiftshader|software/i.test(be.info().engine) || be.adapter.isFallbackAdapter;
    expect(be.gemmKernel).toBe(software ? 'blocked' : 'tiled');
  });
  it('refuses anything else before a device is requested (INVALID_ARGUMENT naming gemmKernel)', async () => {
    const e = await rejection(() => createWebgpuBackend({ gemmKernel: 'fast' as 'auto' }));
    expect([e.code, e.argument]).toEqual(['INVALID_ARGUMENT', 'gemmKernel']);
    expect(e.message).toMatch(/expected 'auto', 'tiled' or 'blocked', got "fast"/);
  });
});
