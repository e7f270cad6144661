#!/usr/bin/env node
// Precision f16 vs f32 of the webgpu backend, in one process on one adapter: inference forward
// (runRecurrent, output read back) of one batch-first recurrent layer. Two backends, f32 with
// `recurrentPath: 'step'` (the path f16 always takes) and `precision: 'f16'`; every repeat runs
// both back to back, alternating which goes first; a figure is the median over repeats after
// the warm-up runs, and the ratio is the median of the per-repeat f16/f32 ratios (the number
// that survives a loaded machine). Also the GPU storage the first forward left allocated
// (parameters, input, results and the forward's temporaries, pools trimmed before), f32 and
// f16. Prints a Markdown table.
//
//   pnpm --filter @rnnkit/backend-webgpu build && node packages/backend-webgpu/scripts/f16-speed.mjs [--repeats 10] [--warmup 2] [--shapes T,B,H;…] [--cells lstm,gru]
import { initParams, Rng, recurrentParams } from '@rnnkit/core';
import { runRecurrent } from '@rnnkit/core/backend';
import { createWebgpuBackend } from '../dist/index.js';
import { arg, layerSpec, median } from './script_util.mjs';

const REPEATS = Number(arg('repeats', 10));
const WARMUP = Number(arg('warmup', 2));
const SHAPES = arg('shapes', '32,16,128;32,8,256')
  .split(';')
  .map((s) => s.split(',').map(Number))
  .map(([T, B, H]) => ({ T, B, H }));
const CELLS = arg('cells', 'lstm,gru').split(',');

const f32 = await createWebgpuBackend({ recurrentPath: 'step' });
const f16 = await createWebgpuBackend({ precision: 'f16' });
console.log(`f16: ${f16.info().engine}`);
const rows = [];
for (const cell of CELLS) {
  for (const { T, B, H } of SHAPES) {
    // One layer, inputSize = hiddenSize = H.
    const spec = layerSpec(cell, H, H);
    const infos = recurrentParams(spec);
    const host = initParams(infos, 7);
    const rng = new Rng(11);
    const x = Float32Array.from({ length: B * T * H }, () => rng.normal());
    const jobs = [f32, f16].map((be) => {
      be.trimPool();
      const before = be.gpuBuffers().storage.allocatedBytes;
      const params = new Map(infos.map((p) => [p.name, be.upload(host.get(p.name), [...p.shape])]));
      const tx = be.upload(x, [B, T, H]);
      return { be, params, tx, before, bytes: 0, times: [] };
    });
    for (let r = 0; r < WARMUP + REPEATS; r++) {
      const order = r % 2 ? [jobs[1], jobs[0]] : jobs;
      for (const j of order) {
        const t0 = performance.now();
        const out = runRecurrent(j.be, spec, j.params, j.tx, { training: false });
        await j.be.read(out.output);
        const ms = performance.now() - t0;
        if (r === 0) j.bytes = j.be.gpuBuffers().storage.allocatedBytes - j.before;
        for (const t of [out.output, out.hN, out.cN]) if (t) j.be.dispose(t);
        if (r >= WARMUP) j.times.push(ms);
      }
    }
    const ratios = jobs[1].times.map((t, i) => t / jobs[0].times[i]);
    rows.push(
      `| ${cell} | ${T}, ${B}, ${H} | ${median(jobs[0].times).toFixed(0)} | ${median(jobs[1].times).toFixed(0)} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${(jobs[0].bytes / 1024).toFixed(0)} KiB / ${(jobs[1].bytes / 1024).toFixed(0)} KiB |`,
    );
    for (const j of jobs) {
      for (const t of j.params.values()) j.be.dispose(t);
      j.be.dispose(j.tx);
    }
  }
}
f32.destroy();
f16.destroy();
console.log('| cell | T, B, H = D | f32 ms | f16 ms | f16 / f32 (median, range) | GPU storage f32 / f16 |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
