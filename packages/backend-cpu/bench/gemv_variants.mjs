#!/usr/bin/env node
// The B = 1 GEMV written several ways (bench/gemv_variants.as.ts), compiled with and without
// relaxed SIMD and timed interleaved: how assembly/gemm.ts's gemv was chosen. V8 hoists every
// load of a loop iteration, so the live vectors (sums + broadcasts + loads) must stay ≤ 15.
// `node --experimental-wasm-relaxed-simd bench/gemv_variants.mjs [v1 v5 …]`; NN, KK set the size.
import { fileURLToPath } from 'node:url';

const asc = (await import('assemblyscript/asc')).default;
const source = fileURLToPath(new URL('./gemv_variants.as.ts', import.meta.url));
async function build(features) {
  const files = {};
  const { error } = await asc.main([source, '-O3', '--noAssert', '--runtime', 'stub', '--enable', features, '--outFile', 'out.wasm', '--initialMemory', '64'], {
    writeFile: (n, c) => {
      files[n] = c;
    },
    stdout: { write: () => true },
    stderr: {
      write: (s) => {
        process.stderr.write(s);
        return true;
      },
    },
  });
  if (error) throw error;
  return (
    await WebAssembly.instantiate(files['out.wasm'], {
      env: {
        abort() {
          throw new Error('abort');
        },
      },
    })
  ).instance.exports;
}
const variants = process.argv.slice(2).length ? process.argv.slice(2) : ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'];
const N = Number(process.env.NN ?? 512),
  K = Number(process.env.KK ?? 128);
for (const feat of ['simd', 'simd,relaxed-simd']) {
  let e;
  try {
    e = await build(feat);
  } catch (err) {
    console.log(feat, 'unavailable', String(err).slice(0, 80));
    continue;
  }
  const mem = new Float32Array(e.memory.buffer);
  const a = e.alloc(K * 4),
    bp = e.alloc(N * K * 4),
    c = e.alloc(N * 4 * variants.length);
  for (let i = 0; i < K; i++) mem[a / 4 + i] = Math.sin(i);
  for (let i = 0; i < N * K; i++) mem[bp / 4 + i] = Math.cos(i) * 0.1;
  const res = {};
  for (let rep = 0; rep < 5; rep++)
    for (const [vi, v] of variants.entries()) {
      const f = e[v];
      for (let i = 0; i < 200; i++) f(N, K, a, bp, c + vi * N * 4);
      const t0 = performance.now();
      const R = 3000;
      for (let i = 0; i < R; i++) f(N, K, a, bp, c + vi * N * 4);
      const g = (2 * N * K * R) / ((performance.now() - t0) / 1000) / 1e9;
      (res[v] ??= []).push(g);
    }
  const ref = mem.slice(c / 4, c / 4 + N);
  console.log(
    feat.padEnd(18),
    variants
      .map((v, vi) => {
        const s = [...res[v]].sort((x, y) => x - y);
        let md = 0;
        for (let i = 0; i < N; i++) md = Math.max(md, Math.abs(mem[c / 4 + vi * N + i] - ref[i]));
        return `${v} ${s[2].toFixed(1)} (max ${s[4].toFixed(1)}) Δ${md.toExponential(0)}`;
      })
      .join('  '),
  );
}
