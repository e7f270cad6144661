#!/usr/bin/env node
// The elementwise primitives on the JS loops against the SIMD kernels (copies in and out
// included), interleaved, over a range of sizes: where WASM_ELEMENTWISE_MIN should sit.
// Run after `pnpm build`: `node bench/elementwise.mjs`.
const { CpuBackend, createCpuBackend } = await import(process.env.DIST ?? '../dist/index.js');

const js = new CpuBackend();
const simd = await createCpuBackend({ simd: true, threads: 1 });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const OPS = {
  sub: (be, a, b) => be.sub(a, b),
  mul: (be, a, b) => be.mul(a, b),
  affine: (be, a) => be.affine(a, 0.5, 0.25),
  sumSquares: (be, a) => be.sumSquares(a),
};
console.log('n'.padStart(8), ...Object.keys(OPS).map((o) => `${o} js/simd µs`.padStart(22)));
for (const n of (process.env.SIZES ?? '1024,2048,4096,8192,16384,65536,524288').split(',').map(Number)) {
  const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
  const cells = [];
  for (const op of Object.values(OPS)) {
    const t = { js: [], simd: [] };
    const ins = new Map([js, simd].map((be) => [be, [be.upload(data, [n]), be.upload(data, [n])]]));
    const reps = Math.max(20, Math.min(2000, (2e7 / n) | 0));
    for (let r = 0; r < reps; r++) {
      for (const [name, be] of [
        ['js', js],
        ['simd', simd],
      ]) {
        const [a, b] = ins.get(be);
        const t0 = performance.now();
        be.dispose(op(be, a, b));
        if (r >= 5) t[name].push(performance.now() - t0);
      }
    }
    cells.push(`${(median(t.js) * 1000).toFixed(1)} / ${(median(t.simd) * 1000).toFixed(1)}`.padStart(22));
  }
  console.log(String(n).padStart(8), ...cells);
}
