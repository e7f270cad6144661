#!/usr/bin/env node
// The fused recurrent kernels on the standard shapes, one thread: median ms of
// backend.recurrentForward (inference) and, with TRAIN=1, forward(training) + recurrentBackward.
// Run after `pnpm build`: `node bench/shapes.mjs [filter]`; REPS sets the repeats, DIST another
// build's dist/index.js (to compare two builds).
const { createCpuBackend } = await import(process.env.DIST ?? '../dist/index.js');

const REPS = Number(process.env.REPS ?? 15);
const TRAIN = process.env.TRAIN === '1';
const filter = process.argv[2] ?? '';
const G = { lstm: 4, gru: 3, rnn_tanh: 1 };
const SHAPES = [
  [32, 128, 128, 1],
  [32, 128, 128, 32],
  [128, 256, 128, 32],
  [256, 512, 64, 64],
];
const be = await createCpuBackend({ threads: 1 });
console.log(be.info());

let seed = 1;
const rnd = (n, s) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[i] = ((seed / 2 ** 32) * 2 - 1) * s;
  }
  return a;
};
const t = (n, shape, s = 1) => be.upload(rnd(n, s), shape);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

for (const cell of ['lstm', 'gru', 'rnn_tanh']) {
  for (const [D, H, T, B] of SHAPES) {
    const label = `${cell} ${D},${H},${T},${B}`;
    if (!label.includes(filter)) continue;
    const g = G[cell],
      s = 1 / Math.sqrt(H);
    const args = {
      cell,
      gruResetAfter: true,
      x: t(T * B * D, [T, B, D]),
      h0: t(B * H, [B, H], 0),
      ...(cell === 'lstm' ? { c0: t(B * H, [B, H], 0) } : {}),
      weightIh: t(g * H * D, [g * H, D], s),
      weightHh: t(g * H * H, [g * H, H], s),
      biasIh: t(g * H, [g * H], s),
      biasHh: t(g * H, [g * H], s),
      training: false,
    };
    const dy = t(T * B * H, [T, B, H]);
    const fwd = [],
      trn = [];
    const reps = B === 1 ? REPS * 10 : REPS;
    for (let r = 0; r < reps + 3; r++) {
      let t0 = performance.now();
      be.recurrentForward(args);
      if (r >= 3) fwd.push(performance.now() - t0);
      if (TRAIN) {
        t0 = performance.now();
        const f = be.recurrentForward({ ...args, training: true });
        be.recurrentBackward({ forward: { ...args, training: true }, saved: f.saved, dy });
        f.saved.dispose();
        if (r >= 3) trn.push(performance.now() - t0);
      }
    }
    console.log(`${label.padEnd(24)} forward ${median(fwd).toFixed(3).padStart(8)} ms${TRAIN ? `   fwd+bwd ${median(trn).toFixed(2).padStart(8)} ms` : ''}`);
  }
}
