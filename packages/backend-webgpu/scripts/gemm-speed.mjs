#!/usr/bin/env node
// The two GEMM forms (`createWebgpuBackend({ gemmKernel })`) on one adapter, at the shapes the
// recurrent layers run: the input projection [T·B, D]·[G·H, D]ᵀ and the weight gradients
// dPreᵀ·x and dPreᵀ·h, for the issue #18 shapes. Each round times every shape on both forms,
// alternating which goes first; a figure is the median over rounds of each round's median.
//
//   pnpm --filter @rnnkit/backend-webgpu build && node packages/backend-webgpu/scripts/gemm-speed.mjs [--rounds 5] [--repeats 5]
import { Rng } from '@rnnkit/core';
import { createWebgpuBackend } from '../dist/index.js';
import { arg, median } from './script_util.mjs';

const ROUNDS = Number(arg('rounds', 5));
const REPEATS = Number(arg('repeats', 5));
/** [label, M, N, K, transposeA, transposeB] */
const SHAPES = [
  ['LSTM (32,64,256,1) input projection', 256, 256, 32, false, true],
  ['LSTM (32,64,256,1) dW_hh = dPreᵀ h', 256, 64, 256, true, false],
  ['LSTM (32,128,128,1) input projection', 128, 512, 32, false, true],
  ['LSTM (32,128,128,1) dW_hh = dPreᵀ h', 512, 128, 128, true, false],
  ['LSTM (32,128,128,1) dW_ih = dPreᵀ x', 512, 32, 128, true, false],
  ['LSTM (256,512,64,64) input projection', 4096, 2048, 256, false, true],
];
const forms = { tiled: await createWebgpuBackend({ gemmKernel: 'tiled' }), blocked: await createWebgpuBackend({ gemmKernel: 'blocked' }) };
console.log(`adapter: ${forms.tiled.info().engine}; rounds ${ROUNDS}, ${REPEATS} timed runs after 2 warm-up runs per round`);
const rng = new Rng(5);
const times = SHAPES.map(() => ({ tiled: [], blocked: [] }));
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, M, N, K, tA, tB]] of SHAPES.entries()) {
    for (const form of round % 2 ? ['blocked', 'tiled'] : ['tiled', 'blocked']) {
      const be = forms[form];
      const a = be.upload(
        Float32Array.from({ length: M * K }, () => rng.normal()),
        tA ? [K, M] : [M, K],
      );
      const b = be.upload(
        Float32Array.from({ length: K * N }, () => rng.normal()),
        tB ? [N, K] : [K, N],
      );
      const run = async () => {
        const out = be.matmul(a, b, { transposeA: tA, transposeB: tB });
        await be.sync();
        be.dispose(out);
      };
      for (let w = 0; w < 2; w++) await run();
      const ms = [];
      for (let r = 0; r < REPEATS; r++) {
        const t0 = performance.now();
        await run();
        ms.push(performance.now() - t0);
      }
      times[i][form].push(median(ms));
      be.dispose(a);
      be.dispose(b);
    }
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}
console.log('| GEMM | M×N×K | tiled ms | blocked ms | tiled GMAC/s | blocked GMAC/s | blocked speed-up |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [i, [label, M, N, K]] of SHAPES.entries()) {
  const t = median(times[i].tiled);
  const bl = median(times[i].blocked);
  const g = (ms) => ((M * N * K) / ms / 1e6).toFixed(2);
  console.log(`| ${label} | ${M}×${N}×${K} | ${t.toFixed(2)} | ${bl.toFixed(2)} | ${g(t)} | ${g(bl)} | ${(t / bl).toFixed(1)}× |`);
}
forms.tiled.destroy();
forms.blocked.destroy();
