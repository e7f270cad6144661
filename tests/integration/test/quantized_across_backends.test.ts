import type { Backend, Model } from '@rnnkit/core';
import { gru, lastStep, linear, loadModelBundle, lstm, quantize, Rng, rnn, saveModelBundle, sequential } from '@rnnkit/core';
import { createReferenceBackend, QUANTIZED_RECURRENT_TOLERANCE, startBackendVariants as startBackends } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * quantize → saveModelBundle → loadModelBundle → predict on every backend and engine. Where
 * `info().quantized` is `native` (backend-cpu's int8 kernels) or `host` (core's integer scheme
 * on synchronously read memory: cpu-js, tfjs) the outputs are the reference backend's host run
 * up to float32 gate math (QUANTIZED_RECURRENT_TOLERANCE; worst printed); where it is
 * `dequantized` (webgpu: float32 weights dequantized once) they follow the float32 model. Every
 * backend stays within 0.05 of the float32 model.
 */
const started: Backend[] = [];
afterAll(() => {
  for (const b of started) b.destroy();
});

const cases: [string, () => Model, boolean][] = [
  [
    'lstm 2 layers bidirectional + lastStep + linear',
    () => sequential([lstm({ inputSize: 5, hiddenSize: 24, numLayers: 2, bidirectional: true }), lastStep(), linear({ outFeatures: 3 })], { seed: 7 }),
    true,
  ],
  [
    'gru (reset-before) + linear, time-major',
    () => sequential([gru({ inputSize: 5, hiddenSize: 24, resetAfter: false, batchFirst: false }), linear({ outFeatures: 2 })], { seed: 8 }),
    false,
  ],
  ['gru + linear, batch-first', () => sequential([gru({ inputSize: 5, hiddenSize: 24 }), linear({ outFeatures: 2 })], { seed: 9 }), true],
  ['rnn tanh + linear', () => sequential([rnn({ inputSize: 5, hiddenSize: 24 }), linear({ outFeatures: 2 })], { seed: 10 }), true],
];

const [T, B, D] = [6, 3, 5];
const rng = new Rng(4);
const xData = Float32Array.from({ length: T * B * D }, () => rng.uniform() * 2 - 1);
const lengths = Int32Array.of(6, 3, 5);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

// Per case: the float32 output, the int8 bundle, and core's host run of it on the reference backend.
const prepared = await Promise.all(
  cases.map(async ([name, make, batchFirst]) => {
    const ref = createReferenceBackend();
    const x = { data: xData, shape: batchFirst ? [B, T, D] : [T, B, D] };
    const f = make().to(ref);
    const float32 = (await f.predict(x, { lengths })).data;
    const bundle = await saveModelBundle(await quantize(f, { weights: 'int8' }));
    const host = loadModelBundle(bundle).to(ref);
    const hostOut = (await host.predict(x, { lengths })).data;
    ref.destroy();
    return { name, x, float32, bundle, hostOut };
  }),
);

for (const { label, backend: be, why } of await startBackends(['cpu-js', 'cpu', 'tfjs-wasm', 'tfjs-cpu', 'webgpu'], (name) => import(name))) {
  if (be) started.push(be);
  describe.skipIf(!be)(`int8 models on ${label} (${be?.info().engine ?? why}, int8 ${be?.info().quantized ?? ''})`, () => {
    for (const c of prepared) {
      it(`${c.name}: quantize → save → load → predict`, async () => {
        const before = be!.liveTensors();
        const m = loadModelBundle(c.bundle).to(be!);
        expect(m.quantization).toBe('int8');
        const y = (await m.predict(c.x, { lengths })).data;
        m.dispose();
        expect(be!.liveTensors()).toBe(before);
        const mode = be!.info().quantized;
        const vsHost = maxDiff(y, c.hostOut);
        const vsFloat = maxDiff(y, c.float32);
        console.log(`[${label} int8 ${mode}] ${c.name}: max |Δ| vs core's host int8 run ${vsHost.toExponential(2)}, vs float32 ${vsFloat.toExponential(2)}`);
        if (mode !== 'dequantized') expect(vsHost).toBeLessThanOrEqual(QUANTIZED_RECURRENT_TOLERANCE);
        expect(vsFloat).toBeLessThan(0.05);
      });
    }
  });
}
