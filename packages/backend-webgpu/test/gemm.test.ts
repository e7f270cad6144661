import { Rng } from '@rnnkit/core';
import { checkClose, randomArray } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { noGpuErrors, requireAdapterInCi, startBackend } from './helpers.js';

const started = await startBackend();
requireAdapterInCi(started);
const be = started.be!;
afterAll(() => be?.destroy());

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

/** The tiled GEMM (32×32 tiles, 16-deep K steps) at tile edges, beyond the kit's matmul cases. */
describe.skipIf(!be)('webgpu tiled GEMM', () => {
  const rng = new Rng(11);
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [2, 3, 4],
    [32, 32, 16], // exactly one tile
    [33, 17, 65], // ragged edges in every dimension
    [70, 129, 31],
    [5, 300, 200],
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
