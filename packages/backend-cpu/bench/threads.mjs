#!/usr/bin/env node
// Does a second thread pay? The experiment behind the backend's single-thread decision
// (README, "Threads"). Builds the kernels with shared memory (assembly/ compiled with
// --sharedMemory and the threads feature, in memory, not shipped), starts one worker_threads
// worker on the same memory, and times GEMMs split by rows between the main thread and the
// worker (an Atomics counter hands out the job and waits for it) against one thread,
// interleaved. Shapes: 512³, the input projection of the largest standard shape, and the
// per-step recurrent GEMMs of B = 32 and B = 64 (what splitting a step across threads buys
// before its barrier). `node bench/threads.mjs`; ROUNDS=… to change the repeats.
import { isMainThread, Worker, workerData } from 'node:worker_threads';

const ROUNDS = Number(process.env.ROUNDS ?? 15);

if (!isMainThread) {
  const { bytes, memory, ctl } = workerData;
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  const k = instance.exports;
  const c = new Int32Array(ctl);
  let seen = 0;
  for (;;) {
    Atomics.wait(c, 0, seen);
    seen = Atomics.load(c, 0);
    if (c[12] === 1) break;
    const [, N, K, a, b, o, w, i0, i1, transB] = c.subarray(2, 12);
    k.gemm(i1 - i0, N, K, 1, a + i0 * K * 4, K, false, b, transB ? K : N, transB === 1, o + i0 * N * 4, N, false, w);
    Atomics.add(c, 1, 1);
    Atomics.notify(c, 1);
  }
} else {
  const asc = (await import('assemblyscript/asc')).default;
  const files = {};
  const { error } = await asc.main(
    [
      new URL('../assembly/index.ts', import.meta.url).pathname,
      '-O3',
      '--noAssert',
      '--runtime',
      'stub',
      '--enable',
      'simd,threads',
      '--importMemory',
      '--sharedMemory',
      '--initialMemory',
      '16',
      '--maximumMemory',
      '32768',
      '--outFile',
      'k.wasm',
    ],
    { stdout: { write: () => true }, stderr: { write: () => true }, writeFile: (n, c) => (files[n] = c) },
  );
  if (error) throw error;
  const bytes = files['k.wasm'];
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  const k = instance.exports;
  let top = k.heapBase();
  const alloc = (n) => {
    const p = (top + 63) & ~63;
    top = p + n;
    const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
    if (need > 0) memory.grow(need);
    return p;
  };
  const ctl = new SharedArrayBuffer(64);
  const c = new Int32Array(ctl);
  const worker = new Worker(new URL(import.meta.url), { workerData: { bytes, memory, ctl } });
  await new Promise((r) => setTimeout(r, 300));
  const w0 = alloc(k.gemmWorkBytes());
  const w1 = alloc(k.gemmWorkBytes());
  const stats = (xs) => {
    const s = [...xs].sort((p, q) => p - q);
    return { best: s[0], median: s[s.length >> 1] };
  };
  for (const [M, N, K, transB] of [
    [512, 512, 512, 0],
    [4096, 2048, 256, 1],
    [32, 512, 128, 1],
    [64, 2048, 512, 1],
  ]) {
    const a = alloc(M * K * 4);
    const b = alloc(N * K * 4);
    const o = alloc(M * N * 4);
    new Float32Array(memory.buffer, a, M * K).fill(0.5);
    new Float32Array(memory.buffer, b, N * K).fill(0.25);
    const one = () => k.gemm(M, N, K, 1, a, K, false, b, transB ? K : N, transB === 1, o, N, false, w0);
    const two = () => {
      const h = (M >> 1) & ~3;
      c.set([M, N, K, a, b, o, w1, h, M, transB], 2);
      Atomics.store(c, 1, 0);
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
      k.gemm(h, N, K, 1, a, K, false, b, transB ? K : N, transB === 1, o, N, false, w0);
      while (Atomics.load(c, 1) === 0) Atomics.wait(c, 1, 0);
    };
    const t1 = [];
    const t2 = [];
    for (let r = 0; r < ROUNDS + 2; r++) {
      let t = performance.now();
      one();
      const d1 = performance.now() - t;
      t = performance.now();
      two();
      const d2 = performance.now() - t;
      if (r >= 2) {
        t1.push(d1);
        t2.push(d2);
      }
    }
    const s1 = stats(t1);
    const s2 = stats(t2);
    const gf = (ms) => ((2 * M * N * K) / ms / 1e6).toFixed(1);
    console.log(
      `${M}x${N}x${K}: 1 thread ${s1.median.toFixed(3)} ms median (${gf(s1.median)} GFLOPS; best ${s1.best.toFixed(3)}), 2 threads ${s2.median.toFixed(3)} ms (${gf(s2.median)}; best ${s2.best.toFixed(3)}): speedup ${(s1.median / s2.median).toFixed(2)}x median, ${(s1.best / s2.best).toFixed(2)}x best`,
    );
  }
  c[12] = 1;
  Atomics.add(c, 0, 1);
  Atomics.notify(c, 0);
  await worker.terminate();
}
