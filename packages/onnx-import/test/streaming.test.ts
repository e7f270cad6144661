import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { HostTensor } from '@rnnkit/core';
import { expect, it } from 'vitest';
import { importOnnx, runImported } from '../src/index.js';
import { loadFixtures } from './fixtures.js';
import { maxAbsDiff, ORT_TOLERANCE, runOrt } from './helpers.js';

/**
 * The PyTorch streaming LSTM (h0/c0 in, h_n/c_n out): fed chunk by chunk with each chunk's final
 * state carried into the next, the imported model gives what onnxruntime gives on the whole
 * sequence at once.
 */
it('chunks with carried state equal the whole sequence in onnxruntime', async () => {
  const f = loadFixtures().find((x) => x.name === 'torch_lstm_streaming')!;
  const imported = importOnnx(f.bytes);
  expect(imported.inputs.map((b) => b.role)).toEqual(['x', 'h0', 'c0']);
  expect(imported.outputs.map((b) => b.role)).toEqual(['output', 'hN', 'cN']);
  const model = imported.model.to(await createCpuBackend());
  const x = f.feeds.x;
  const [B, T, D] = x.shape;
  const whole = await runOrt(f.bytes, f.feeds);
  const chunk = (from: number, to: number) => {
    const data = new Float32Array(B * (to - from) * D);
    for (let b = 0; b < B; b++) data.set((x.data as Float32Array).subarray((b * T + from) * D, (b * T + to) * D), b * (to - from) * D);
    return { data, shape: [B, to - from, D] };
  };
  let h0 = f.feeds.h0;
  let c0 = f.feeds.c0;
  const ys: HostTensor[] = [];
  for (const [from, to] of [
    [0, 2],
    [2, 3],
    [3, T],
  ]) {
    const r = await runImported(imported, model, { x: chunk(from, to), h0, c0 });
    ys.push(r.y);
    h0 = r.h_n;
    c0 = r.c_n;
  }
  // Reassemble [B, T, O] from the chunks.
  const O = whole.y.shape[2];
  const y = new Float32Array(B * T * O);
  let t0 = 0;
  for (const part of ys) {
    const n = part.shape[1];
    for (let b = 0; b < B; b++) y.set(part.data.subarray(b * n * O, (b + 1) * n * O), (b * T + t0) * O);
    t0 += n;
  }
  expect(maxAbsDiff({ data: y, shape: [B, T, O] }, whole.y)).toBeLessThanOrEqual(ORT_TOLERANCE);
  expect(maxAbsDiff(h0 as HostTensor, whole.h_n)).toBeLessThanOrEqual(ORT_TOLERANCE);
  expect(maxAbsDiff(c0 as HostTensor, whole.c_n)).toBeLessThanOrEqual(ORT_TOLERANCE);
});
