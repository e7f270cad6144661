#!/usr/bin/env node
// Sequence path vs per-step path of the fused recurrent kernels, in one process on one device:
// forward (inference, output read back) and one training step (core's trainStep: forward, MSE,
// BPTT, gradient norm, SGD update, loss read back) of one batch-first recurrent layer, at the
// issue #18 shapes. Two backends on the same adapter, `recurrentPath: 'step'` and 'sequence';
// each round times every (cell, shape, task) on both, alternating which goes first; a figure is
// the median over rounds of each round's median (after warm-up runs). Prints a Markdown table
// and, with --json FILE, writes the figures.
//
//   pnpm --filter @rnnkit/backend-webgpu build && node packages/backend-webgpu/scripts/paths-speed.mjs [--rounds 5] [--repeats 5] [--warmup 2] [--json out.json]
import { writeFileSync } from 'node:fs';
import { initParams, Model, modelParams, Rng, sgd, supervised, trainStep } from '@rnnkit/core';
import { runRecurrent } from '@rnnkit/core/backend';
import { createWebgpuBackend } from '../dist/index.js';
import { arg, layerSpec, median } from './script_util.mjs';

const ROUNDS = Number(arg('rounds', 5));
const REPEATS = Number(arg('repeats', 5));
const WARMUP = Number(arg('warmup', 2));
const SHAPES = arg('shapes', '16,32,512,1;32,64,256,1;32,128,128,1')
  .split(';')
  .map((s) => s.split(',').map(Number))
  .map(([D, H, T, B]) => ({ D, H, T, B }));
const CELLS = arg('cells', 'lstm,gru').split(',');
const TASKS = arg('tasks', 'forward,train').split(',');

/** One layer's workload: model, input, target, as apps/bench builds them. */
function workload(cell, { D, H, T, B }) {
  const spec = layerSpec(cell, D, H);
  const modelSpec = { format: 'rnnkit.model', version: 1, seed: 7, layers: [spec] };
  const params = initParams(modelParams(modelSpec), 7);
  const rng = new Rng(11);
  const x = Float32Array.from({ length: B * T * D }, () => rng.normal());
  const target = Float32Array.from({ length: B * T * H }, () => 0.5 * rng.normal());
  return { spec, modelSpec, params, x, target };
}

/** A timed job on one backend: setup once, then `run` per call; returns { run, work, dispose }. */
function job(be, cell, shape, task) {
  const w = workload(cell, shape);
  const model = new Model(w.modelSpec, new Map([...w.params].map(([k, v]) => [k, v.slice()]))).to(be);
  const { B, T, D, H } = shape;
  if (task === 'forward') {
    const x = be.upload(w.x, [B, T, D]);
    const layer = new Map([...model.parameters()].map(([k, v]) => [k.replace(/^0\./, ''), v]));
    return {
      async run() {
        const r = runRecurrent(be, w.spec, layer, x, { training: false });
        await be.read(r.output);
        for (const t of [r.output, r.hN, r.cN]) if (t) be.dispose(t);
      },
      dispose() {
        be.dispose(x);
        model.dispose();
      },
    };
  }
  const objective = supervised(model, 'mse');
  const optimizer = sgd({ lr: 1e-3 });
  const batch = { x: { data: w.x, shape: [B, T, D] }, y: { data: w.target, shape: [B, T, H] }, size: B };
  return {
    async run() {
      await trainStep(objective, batch, { optimizer });
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

async function timeOnce(be, j) {
  for (let i = 0; i < WARMUP; i++) await j.run();
  const ms = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await j.run();
    ms.push(performance.now() - t0);
  }
  const before = be.counters();
  await j.run();
  const after = be.counters();
  return { ms: median(ms), dispatches: after.dispatches - before.dispatches, submits: after.submits - before.submits, path: after.lastRecurrent?.path };
}

const backends = { step: await createWebgpuBackend({ recurrentPath: 'step' }), sequence: await createWebgpuBackend({ recurrentPath: 'sequence' }) };
console.log(`adapter: ${backends.step.info().engine}; rounds ${ROUNDS}, ${REPEATS} timed runs after ${WARMUP} warm-up runs per round`);
const points = [];
for (const cell of CELLS) for (const shape of SHAPES) for (const task of TASKS) points.push({ cell, shape, task, step: [], sequence: [], work: {} });
for (let round = 0; round < ROUNDS; round++) {
  for (const p of points) {
    const order = round % 2 === 0 ? ['step', 'sequence'] : ['sequence', 'step'];
    for (const path of order) {
      const be = backends[path];
      const j = job(be, p.cell, p.shape, p.task);
      try {
        const r = await timeOnce(be, j);
        p[path].push(r.ms);
        p.work[path] = { dispatches: r.dispatches, submits: r.submits, path: r.path };
      } finally {
        j.dispose();
      }
    }
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const lines = [
  '| cell | D,H,T,B | task | per-step ms | sequence ms | speed-up | dispatches, submits per run (per-step → sequence) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
const out = [];
for (const p of points) {
  const a = median(p.step);
  const b = median(p.sequence);
  const s = `${p.shape.D},${p.shape.H},${p.shape.T},${p.shape.B}`;
  const ws = p.work.step;
  const wq = p.work.sequence;
  lines.push(
    `| ${p.cell} | ${s} | ${p.task === 'forward' ? 'forward' : 'training step'} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(1)}× | ${ws.dispatches}, ${ws.submits} → ${wq.dispatches}, ${wq.submits} |`,
  );
  out.push({
    cell: p.cell,
    shape: p.shape,
    task: p.task,
    stepMs: a,
    sequenceMs: b,
    speedup: a / b,
    roundsStepMs: p.step,
    roundsSequenceMs: p.sequence,
    work: p.work,
  });
}
console.log(lines.join('\n'));
const json = arg('json', undefined);
if (json)
  writeFileSync(json, `${JSON.stringify({ adapter: backends.step.info().engine, rounds: ROUNDS, repeats: REPEATS, warmup: WARMUP, points: out }, null, 2)}\n`);
backends.step.destroy();
backends.sequence.destroy();
