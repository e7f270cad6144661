// Times an LSTM forward (and forward+backward) on this backend against tfjs-layers' own LSTM
// (`predict`) on the same tfjs engine. Not a test: run `pnpm build` then
// `node bench/lstm_vs_layers.mjs [wasm|cpu] [D] [H] [T] [B]`.

import { initParams, recurrentParams } from '@rnnkit/core';
import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '@rnnkit/core/backend';
import * as tfl from '@tensorflow/tfjs-layers';
import { createTfjsBackend, toKerasWeights } from '../dist/index.js';

const [engine = 'wasm', D = 32, H = 128, T = 128, B = 32] = process.argv.slice(2).map((v, i) => (i ? Number(v) : v));
const be = await createTfjsBackend({ engine });
const tf = be.tf;
const spec = {
  type: 'recurrent',
  cell: 'lstm',
  gruResetAfter: true,
  inputSize: D,
  hiddenSize: H,
  numLayers: 1,
  bidirectional: false,
  dropout: 0,
  batchFirst: true,
  bias: true,
};
const host = initParams(recurrentParams(spec), 1);
const params = new Map([...host].map(([k, v]) => [k, be.upload(v, recurrentParams(spec).find((p) => p.name === k).shape)]));
const xData = Float32Array.from({ length: B * T * D }, (_, i) => Math.sin(i));
const x = be.upload(xData, [B, T, D]);

async function time(label, fn, reps = Number(process.env.REPS ?? 9)) {
  await fn(); // warm-up
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  console.log(`${label}: median ${ts[Math.floor(reps / 2)].toFixed(1)} ms (min ${ts[0].toFixed(1)})`);
}

await time(`rnnkit fused lstm forward (${be.info().engine})`, async () => {
  const r = runRecurrent(be, spec, params, x);
  await be.read(r.hN); // waits for the work
  for (const t of [r.output, r.hN, r.cN]) be.dispose(t);
});
const dOut = be.upload(new Float32Array(B * T * H).fill(0.01), [B, T, H]);
await time(`rnnkit fused lstm forward+backward (${be.info().engine})`, async () => {
  const r = runRecurrent(be, spec, params, x, { training: true });
  const g = backpropRecurrent(be, spec, r.cache, { dOutput: dOut });
  disposeRecurrentCache(r.cache);
  await be.read(g.dh0);
  for (const t of [r.output, r.hN, r.cN, g.dx, g.dh0, g.dc0, ...g.grads.values()]) be.dispose(t);
});

// tfjs-layers' LSTM with the same weights.
be.activate();
const kw = toKerasWeights(
  { weightIh: host.get('weight_ih_l0'), weightHh: host.get('weight_hh_l0'), biasIh: host.get('bias_ih_l0'), biasHh: host.get('bias_hh_l0') },
  { cell: 'lstm', inputSize: D, hiddenSize: H },
);
const model = tfl.sequential({
  layers: [
    tfl.layers.lstm({
      units: H,
      recurrentActivation: 'sigmoid',
      returnSequences: true,
      inputShape: [T, D],
      kernelInitializer: 'zeros',
      recurrentInitializer: 'zeros',
    }),
  ],
});
model.layers[0].setWeights([tf.tensor(kw.kernel, kw.kernelShape), tf.tensor(kw.recurrentKernel, kw.recurrentKernelShape), tf.tensor(kw.bias, kw.biasShape)]);
const xt = tf.tensor3d(xData, [B, T, D]);
await time(`tfjs-layers lstm predict (${tf.getBackend()})`, async () => {
  const y = model.predict(xt);
  await y.data();
  y.dispose();
});
