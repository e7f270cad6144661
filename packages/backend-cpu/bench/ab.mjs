#!/usr/bin/env node
// Two builds of backend-cpu (each with the core it was built against) side by side in one
// process, alternated in rounds: what `apps/bench` times, on the standard shapes, default engine
// (createCpuBackend(): SIMD, one thread).
//
//   node bench/ab.mjs <old package dir> <new package dir> [filter]
//   e.g. node bench/ab.mjs /work/wt-old/packages/backend-cpu /work/main/packages/backend-cpu
//
// forward: core's runRecurrent on an uploaded batch-first input, output read back, results
// disposed (apps/bench's forward row). train: trainStep(supervised(model, 'mse'), host batch,
// { optimizer: sgd({ lr: 1e-3 }) }) — upload, forward, MSE, BPTT, gradient norm, SGD update,
// loss read back (apps/bench's training row). Each round times a block of each (cell, shape,
// task) on A then B (B then A on odd rounds); a block is warm-up (3 runs in the first round, 1
// after; and 100 ms) then repeats until BLOCK_MS (at least MIN_REPS). Per point it prints the median over rounds of each build's block
// medians and the median of the per-round ratios new/old, with their spread (min–max ratio).
// ROUNDS (default 5), BLOCK_MS (default 300), MIN_REPS (default 3), JSON=path writes the rows.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirA, dirB, filter = ''] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node bench/ab.mjs <old backend-cpu dir> <new backend-cpu dir> [filter]');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BLOCK_MS = Number(process.env.BLOCK_MS ?? 300);
const MIN_REPS = Number(process.env.MIN_REPS ?? 3);
const SHAPES = [
  [32, 128, 128, 1],
  [32, 128, 128, 32],
  [128, 256, 128, 32],
  [256, 512, 64, 64],
];
const CELLS = ['lstm', 'gru', 'rnn_tanh'];
const TASKS = ['forward', 'train'];
const SEED = 1234;

/** A build: its backend-cpu dist and the core dist it resolves (its own workspace's). */
async function loadBuild(label, dir) {
  const cpu = await import(pathToFileURL(join(dir, 'dist/index.js')).href);
  const coreDir = realpathSync(join(dir, 'node_modules/@rnnkit/core'));
  const core = await import(pathToFileURL(join(coreDir, 'dist/index.js')).href);
  let runRecurrent = core.runRecurrent;
  if (!runRecurrent) {
    const pkg = JSON.parse(readFileSync(join(coreDir, 'package.json'), 'utf8'));
    const entry = pkg.exports?.['./backend']?.import;
    runRecurrent = (await import(pathToFileURL(join(coreDir, entry)).href)).runRecurrent;
  }
  const be = await cpu.createCpuBackend();
  return { label, dir, cpu, core, runRecurrent, be, info: be.info() };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** apps/bench's workload: one batch-first unidirectional layer, seeded weights, input, target. */
function workload(core, cell, [D, H, T, B]) {
  const spec = { type: 'recurrent', cell, inputSize: D, hiddenSize: H, numLayers: 1, bidirectional: false, dropout: 0, batchFirst: true, bias: true, gruResetAfter: true };
  const modelSpec = { format: 'rnnkit.model', version: 1, seed: SEED, layers: [spec] };
  const params = core.initParams(core.modelParams(modelSpec), SEED);
  const rng = new core.Rng(SEED ^ 0x9e3779b9);
  const x = new Float32Array(B * T * D);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const target = new Float32Array(B * T * H);
  for (let i = 0; i < target.length; i++) target[i] = 0.5 * rng.normal();
  return { spec, modelSpec, params, x, target, shape: { D, H, T, B } };
}

/** One point's runnable on a build: run() does one forward or one training step. */
function prepare(build, cell, shape, task) {
  const { core, be, runRecurrent } = build;
  const w = workload(core, cell, shape);
  const { B, T, D, H } = w.shape;
  const model = new core.Model(w.modelSpec, new Map([...w.params].map(([k, v]) => [k, v.slice()]))).to(be);
  if (task === 'forward') {
    const x = be.upload(w.x, [B, T, D]);
    const layerParams = new Map([...model.parameters()].map(([k, v]) => [k.replace(/^0\./, ''), v]));
    return {
      async run() {
        const r = runRecurrent(be, w.spec, layerParams, x, { training: false });
        await be.read(r.output);
        for (const t of [r.output, r.hN, r.cN]) if (t) be.dispose(t);
      },
      dispose() {
        be.dispose(x);
        model.dispose();
      },
    };
  }
  const objective = core.supervised(model, 'mse');
  const optimizer = core.sgd({ lr: 1e-3 });
  const batch = { x: { data: w.x, shape: [B, T, D] }, y: { data: w.target, shape: [B, T, H] }, size: B };
  return {
    async run() {
      await core.trainStep(objective, batch, { optimizer });
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** Warm-up (WARMUP runs and 100 ms), then repeats until BLOCK_MS; the block's median ms. */
async function block(p, warmup) {
  let spent = 0;
  for (let i = 0; i < warmup || spent < 100; i++) {
    const t0 = performance.now();
    await p.run();
    spent += performance.now() - t0;
  }
  const samples = [];
  spent = 0;
  while (samples.length < MIN_REPS || spent < BLOCK_MS) {
    const t0 = performance.now();
    await p.run();
    const dt = performance.now() - t0;
    samples.push(dt);
    spent += dt;
  }
  return median(samples);
}

const A = await loadBuild('old', dirA);
const B = await loadBuild('new', dirB);
console.log(`old: ${A.dir} (${A.info.engine}, threads ${A.info.threads})`);
console.log(`new: ${B.dir} (${B.info.engine}, threads ${B.info.threads})`);
if (A.info.engine !== B.info.engine) throw new Error('the two builds run different engines');

const points = [];
for (const task of TASKS) for (const cell of CELLS) for (const shape of SHAPES) {
  const label = `${task} ${cell} ${shape.join(',')}`;
  if (label.includes(filter)) points.push({ label, task, cell, shape, a: [], b: [] });
}
const started = performance.now();
for (let round = 0; round < ROUNDS; round++) {
  for (const pt of points) {
    const order = round % 2 === 0 ? [A, B] : [B, A];
    for (const build of order) {
      const p = prepare(build, pt.cell, pt.shape, pt.task);
      try {
        (build === A ? pt.a : pt.b).push(await block(p, round === 0 ? 3 : 1));
      } finally {
        p.dispose();
      }
    }
  }
  console.log(`round ${round + 1}/${ROUNDS} done at ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

const rows = points.map((pt) => {
  const ratios = pt.a.map((a, i) => pt.b[i] / a);
  return { label: pt.label, oldMs: median(pt.a), newMs: median(pt.b), ratio: median(ratios), minRatio: Math.min(...ratios), maxRatio: Math.max(...ratios), oldRounds: pt.a, newRounds: pt.b };
});
console.log(`\n| point (D,H,T,B) | old ms | new ms | new/old (median of ${ROUNDS} rounds) | range |`);
console.log('|---|---:|---:|---:|---|');
for (const r of rows) {
  const pct = ((r.ratio - 1) * 100).toFixed(1);
  console.log(`| ${r.label} | ${r.oldMs.toFixed(3)} | ${r.newMs.toFixed(3)} | ${r.ratio.toFixed(3)} (${r.ratio >= 1 ? '+' : ''}${pct}%) | ${r.minRatio.toFixed(3)}–${r.maxRatio.toFixed(3)} |`);
}
if (process.env.JSON) writeFileSync(process.env.JSON, JSON.stringify({ rounds: ROUNDS, blockMs: BLOCK_MS, engine: A.info.engine, rows }, null, 2));
A.be.destroy();
B.be.destroy();
