#!/usr/bin/env node
// Two builds of backend-cpu (each with the core it was built against) side by side in one
// process, alternated in rounds: what `apps/bench` times, on the standard shapes, default engine
// (createCpuBackend(): SIMD, one thread).
//
//   node bench/ab.mjs <old package dir> <new package dir> [regex on 'task cell D,H,T,B']
//   e.g. node bench/ab.mjs /work/wt-old/packages/backend-cpu /work/main/packages/backend-cpu
//
// forward: core's runRecurrent on an uploaded batch-first input, output read back, results
// disposed (apps/bench's forward row). train: trainStep(supervised(model, 'mse'), host batch,
// { optimizer: sgd({ lr: 1e-3 }) }) — upload, forward, MSE, BPTT, gradient norm, SGD update,
// loss read back (apps/bench's training row).
//
// On a shared, loaded machine a block of A then a block of B sees different contention, so
// the runs are interleaved one by one: each round, per point, pairs (A, B) or (B, A) in turn
// until the pairs add up to BLOCK_MS (at least MIN_PAIRS), after one warm-up round of each. Per
// point it prints each build's median ms, the median over pairs of new/old, the same ratio on
// process CPU time (user + sys: less sensitive to other processes than wall time) and the range
// of the per-round median ratios. ROUNDS (default 6), BLOCK_MS (default 400), MIN_PAIRS
// (default 1), JSON=path writes the samples.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirA, dirB, filter = ''] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node bench/ab.mjs <old backend-cpu dir> <new backend-cpu dir> [filter]');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const BLOCK_MS = Number(process.env.BLOCK_MS ?? 400);
const MIN_PAIRS = Number(process.env.MIN_PAIRS ?? 1);
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
    const imp = pkg.exports?.['./backend']?.import; // a path, or { types, default } since the tsup packaging
    const entry = typeof imp === 'string' ? imp : imp.default;
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
  const spec = {
    type: 'recurrent',
    cell,
    inputSize: D,
    hiddenSize: H,
    numLayers: 1,
    bidirectional: false,
    dropout: 0,
    batchFirst: true,
    bias: true,
    gruResetAfter: true,
  };
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

/** One run: wall ms and process CPU ms (user + sys). */
async function timed(p) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await p.run();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const A = await loadBuild('old', dirA);
const B = await loadBuild('new', dirB);
console.log(`old: ${A.dir} (${A.info.engine}, threads ${A.info.threads})`);
console.log(`new: ${B.dir} (${B.info.engine}, threads ${B.info.threads})`);
if (A.info.engine !== B.info.engine) throw new Error('the two builds run different engines');

const points = [];
for (const task of TASKS)
  for (const cell of CELLS)
    for (const shape of SHAPES) {
      const label = `${task} ${cell} ${shape.join(',')}`;
      if (new RegExp(filter).test(label)) points.push({ label, task, cell, shape, pairs: [], rounds: [] });
    }
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
// Everything prepared once (models on each backend, inputs uploaded) and warmed up: 2 runs and 100 ms each.
for (const pt of points) {
  pt.p = [prepare(A, pt.cell, pt.shape, pt.task), prepare(B, pt.cell, pt.shape, pt.task)];
  for (const p of pt.p) {
    let spent = 0;
    for (let i = 0; i < 2 || spent < 100; i++) spent += (await timed(p)).wall;
  }
}
console.log(`warm-up done at ${elapsed()}`);
for (let round = 0; round < ROUNDS; round++) {
  for (const pt of points) {
    const [pa, pb] = pt.p;
    const mine = [];
    let spent = 0;
    for (let i = 0; i < MIN_PAIRS || spent < BLOCK_MS; i++) {
      let a, b;
      if ((round + i) % 2 === 0) {
        a = await timed(pa);
        b = await timed(pb);
      } else {
        b = await timed(pb);
        a = await timed(pa);
      }
      mine.push({ a, b });
      spent += a.wall + b.wall;
    }
    pt.pairs.push(...mine);
    pt.rounds.push(median(mine.map((q) => q.b.wall / q.a.wall)));
  }
  console.log(`round ${round + 1}/${ROUNDS} done at ${elapsed()}`);
}
for (const pt of points) for (const p of pt.p) p.dispose();

const rows = points.map((pt) => ({
  label: pt.label,
  pairs: pt.pairs.length,
  oldMs: median(pt.pairs.map((q) => q.a.wall)),
  newMs: median(pt.pairs.map((q) => q.b.wall)),
  ratio: median(pt.pairs.map((q) => q.b.wall / q.a.wall)),
  cpuRatio: median(pt.pairs.map((q) => q.b.cpu / q.a.cpu)),
  minRound: Math.min(...pt.rounds),
  maxRound: Math.max(...pt.rounds),
  samples: pt.pairs,
}));
const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
console.log(`\n${ROUNDS} rounds, ${elapsed()} in all; engine ${A.info.engine}`);
console.log('| point (D,H,T,B) | pairs | old ms | new ms | new/old wall | new/old CPU time | per-round range (wall) |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(
    `| ${r.label} | ${r.pairs} | ${r.oldMs.toFixed(2)} | ${r.newMs.toFixed(2)} | ${r.ratio.toFixed(3)} (${pct(r.ratio)}) | ${r.cpuRatio.toFixed(3)} (${pct(r.cpuRatio)}) | ${r.minRound.toFixed(3)}–${r.maxRound.toFixed(3)} |`,
  );
}
if (process.env.JSON) writeFileSync(process.env.JSON, JSON.stringify({ rounds: ROUNDS, blockMs: BLOCK_MS, engine: A.info.engine, rows }, null, 2));
A.be.destroy();
B.be.destroy();
