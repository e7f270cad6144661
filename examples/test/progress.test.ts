import { PassThrough } from 'node:stream';
import { adam, fit, gru, linear, sequential } from '@rnnkit/core';
import { expect, it } from 'vitest';
import { cpu } from '../src/common.js';
import { progressBar } from '../src/progress.js';

it('the examples’ progress bar is driven by fit’s onProgress: steps of the total, epoch, loss, ETA', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => {
    text += b.toString();
  });
  const model = sequential([gru({ inputSize: 1, hiddenSize: 4 }), linear({ outFeatures: 1 })], { seed: 1 }).to(await cpu());
  const x = { data: Float32Array.from({ length: 12 * 5 }, (_, i) => Math.sin(i)), shape: [12, 5, 1] };
  const y = { data: Float32Array.from({ length: 12 * 5 }, (_, i) => Math.cos(i)), shape: [12, 5, 1] };
  const progress = progressBar('test', false, out);
  try {
    await fit(model, { x, y }, { loss: 'mse', optimizer: adam(), epochs: 2, batchSize: 4, callbacks: progress.callbacks });
  } finally {
    progress.done();
  }
  expect(text).toMatch(/\[test\] .* 6\/6 steps \| epoch 2\/2 \| loss \d+\.\d{4} \| epoch loss \d+\.\d{4} \| \d+s elapsed, ETA 0s/);
  model.backend.destroy();
});
