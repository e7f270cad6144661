#!/usr/bin/env node
// The machine's 128-bit WebAssembly SIMD ceiling and how close the GEMM kernels get to it, one
// thread. Measures, interleaved in one process so load from other processes hits all alike:
//   ceiling  — peakLoop (bench/peak.as.ts, compiled here: the shipped kernels don't carry it):
//              12 independent multiply-adds on registers, no memory traffic; and peakDotLoop,
//              the same for the integer dot products the int8 kernels use;
//   GEMM     — 512 × 512 × 512 and the recurrent layers' shapes, through the arena as the
//              backend runs them (operands already in wasm memory);
//   JS GEMM  — the TypeScript fallback on 512³.
// Run after `pnpm build:wasm`: `node bench/gemm.mjs`; add `--experimental-wasm-relaxed-simd`
// before the script on Node 20 to measure the FMA build too. Prints best and median GFLOPS.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The kernels' loader and the TypeScript GEMM are internal (the package ships one bundled entry):
// bundled here from src/ with tsup's esbuild.
const esbuild = createRequire(createRequire(import.meta.url).resolve('tsup'))('esbuild');
const internals = await esbuild.build({
  stdin: {
    contents: "export { gemm } from './src/kernels/gemm_impl.ts'; export { loadWasmKernels, wasmSupport } from './src/wasm/load.ts';",
    resolveDir: fileURLToPath(new URL('..', import.meta.url)),
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  write: false,
  logLevel: 'error',
});
const {
  gemm: gemmJs,
  loadWasmKernels,
  wasmSupport,
} = await import(`data:text/javascript;base64,${Buffer.from(internals.outputFiles[0].text).toString('base64')}`);

const asc = (await import('assemblyscript/asc')).default;
/** The register-only ceiling loops, built with the same features as the kernel build they sit beside. */
async function peakModule(fma) {
  const files = {};
  const source = fileURLToPath(new URL('./peak.as.ts', import.meta.url));
  const argv = [source, '-O3', '--noAssert', '--runtime', 'stub', '--enable', fma ? 'simd,relaxed-simd' : 'simd', '--outFile', 'out.wasm'];
  const { error } = await asc.main(argv, {
    writeFile: (n, c) => {
      files[n] = c;
    },
    stdout: { write: () => true },
    stderr: { write: (t) => process.stderr.write(t) },
  });
  if (error) throw error;
  return (await WebAssembly.instantiate(files['out.wasm'], {})).instance.exports;
}

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const SHAPES = [
  // [label, M, N, K, transB, steps]: steps > 0 runs the recurrence's per-step GEMM that many
  // times in a row against W_hh packed once, as the fused kernel does
  ['512x512x512', 512, 512, 512, false, 0],
  ['x·W_ih^T (T·B=4096, 4H=2048, D=256)', 4096, 2048, 256, true, 0],
  ['h·W_hh^T, 128 steps, B=1 (4H=512, H=128)', 1, 512, 128, true, 128],
  ['h·W_hh^T, 128 steps, B=32 (4H=512, H=128)', 32, 512, 128, true, 128],
  ['h·W_hh^T, 8 steps, B=64 (4H=2048, H=512)', 64, 2048, 512, true, 8],
];

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { best: s[0], median: s[s.length >> 1] };
};
const gf = (flops, ms) => (flops / ms / 1e6).toFixed(1);

const builds = [false, ...(wasmSupport().relaxedSimd ? [true] : [])];
console.log(
  `Node ${process.version}; relaxed SIMD ${wasmSupport().relaxedSimd ? 'on' : 'off (Node 20: --experimental-wasm-relaxed-simd)'}; ${ROUNDS} rounds\n`,
);
for (const fma of builds) {
  const w = await loadWasmKernels({ fma });
  const { k, arena: A } = w;
  const pk = await peakModule(w.fma);
  const dotPeak = [];
  const name = w.fma ? 'wasm relaxed-simd (FMA)' : 'wasm simd128 (mul + add)';
  const peak = [];
  const times = SHAPES.map(() => []);
  // One region big enough for every shape.
  A.reset();
  const maxM = Math.max(...SHAPES.map((s) => s[1]));
  const maxN = Math.max(...SHAPES.map((s) => s[2]));
  const maxK = Math.max(...SHAPES.map((s) => s[3]));
  const a = A.alloc(maxM * maxK * 4);
  const b = A.alloc(maxN * maxK * 4);
  const c = A.alloc(maxM * maxN * 4);
  const work = A.alloc(k.gemmWorkBytes());
  const packed = SHAPES.map(([, M, N, K, , pre]) => {
    if (!pre) return 0;
    const p = A.alloc(k.packedBytes(K, N, M < 4));
    return p;
  });
  A.f32(a, maxM * maxK).fill(0.5);
  A.f32(b, maxN * maxK).fill(0.25);
  SHAPES.forEach(([, M, N, K, transB], i) => {
    if (packed[i]) k.packB(K, N, b, transB ? K : N, transB, packed[i], M < 4);
  });
  for (let r = 0; r < ROUNDS + 2; r++) {
    let t = performance.now();
    pk.peakLoop(2_000_000, 0.999);
    if (r >= 2) peak.push(performance.now() - t);
    t = performance.now();
    pk.peakDotLoop(2_000_000, 3);
    if (r >= 2) dotPeak.push(performance.now() - t);
    SHAPES.forEach(([, M, N, K, transB], i) => {
      t = performance.now();
      if (packed[i]) for (let s = 0; s < SHAPES[i][5]; s++) k.gemmPacked(M, N, K, 1, a + s * M * K * 4, K, false, packed[i], M < 4, c, N, false, work);
      else k.gemm(M, N, K, 1, a, K, false, b, transB ? K : N, transB, c, N, false, work);
      if (r >= 2) times[i].push(performance.now() - t);
    });
  }
  const p = stats(peak);
  console.log(`${name}: ceiling (peakLoop) best ${gf(96 * 2_000_000, p.best)} GFLOPS, median ${gf(96 * 2_000_000, p.median)}`);
  const dp = stats(dotPeak);
  const dotOps = 2 * pk.peakDotMacs() * 2_000_000;
  console.log(`${name}: integer ceiling (peakDotLoop) best ${gf(dotOps, dp.best)} GOPS, median ${gf(dotOps, dp.median)}`);
  SHAPES.forEach(([label, M, N, K, , steps], i) => {
    const s = stats(times[i]);
    const f = 2 * M * N * K * Math.max(1, steps);
    console.log(
      `  ${label}: best ${s.best.toFixed(3)} ms = ${gf(f, s.best)} GFLOPS (${((f / s.best / ((96 * 2_000_000) / p.best)) * 100).toFixed(0)}% of ceiling), median ${gf(f, s.median)}`,
    );
  });
}

{
  const n = 512;
  const a = new Float32Array(n * n).fill(0.5);
  const b = new Float32Array(n * n).fill(0.25);
  const out = new Float32Array(n * n);
  const ts = [];
  for (let r = 0; r < Math.min(ROUNDS, 5) + 1; r++) {
    const t = performance.now();
    gemmJs({ M: n, N: n, K: n, a, b, out });
    if (r >= 1) ts.push(performance.now() - t);
  }
  const s = stats(ts);
  console.log(`plain TypeScript GEMM 512³: best ${gf(2 * n ** 3, s.best)} GFLOPS, median ${gf(2 * n ** 3, s.median)}`);
}
