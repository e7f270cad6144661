import type { CellKind } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import { quantizeRows } from '@rnnkit/core/backend';
import { describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';

/**
 * backend-cpu's own int8 cases beyond the kit's (which runs on every engine in kit.test.ts):
 * which engine runs what, and the wasm recurrent kernel's batch-first path against its
 * time-major one.
 */

function rand(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const WASM_ENGINES = ENGINES.filter((e) => e.engine !== 'cpu-js');

describe.each(ENGINES)('int8 on $engine', ({ engine, create }) => {
  it('runs its own integer kernels on the wasm engines and core’s host scheme on TypeScript', async () => {
    const be = await create();
    const info = be.info();
    expect(info.quantized).toBe(engine === 'cpu-js' ? 'host' : 'native');
    expect(info.fusedOps.quantizedMatmul).toBe(engine === 'cpu-js' ? 'composite' : 'native');
    expect(info.fusedOps.quantizedRecurrentForward).toBe(engine === 'cpu-js' ? 'composite' : 'native');
    await be.destroy();
  });
});

// The TypeScript engine runs core's composite recurrence, which is time-major only (core
// refuses batchFirst there with UNSUPPORTED); the wasm kernel takes batch-first x itself.
describe.each(WASM_ENGINES)('int8 recurrent forward on $engine', ({ create }) => {
  it.each(['lstm', 'gru', 'rnn_tanh'] as CellKind[])('%s: batch-first x gives the time-major result re-laid out, bit for bit', async (cell) => {
    const be = await create();
    const r = rand(7);
    const [T, B, D, H] = [5, 3, 6, 8];
    const G = gateCount(cell);
    const arr = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
    const wIh = be.uploadQuantized(quantizeRows(arr(G * H * D, 0.5), G * H, D));
    const wHh = be.uploadQuantized(quantizeRows(arr(G * H * H, 0.5), G * H, H));
    const xTm = arr(T * B * D);
    const xBf = new Float32Array(T * B * D);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) xBf.set(xTm.subarray((t * B + b) * D, (t * B + b + 1) * D), (b * T + t) * D);
    const common = {
      cell,
      gruResetAfter: true,
      weightIh: wIh,
      weightHh: wHh,
      biasIh: be.upload(arr(G * H), [G * H]),
      biasHh: be.upload(arr(G * H), [G * H]),
      h0: be.upload(arr(B * H), [B, H]),
    };
    const tm = be.quantizedRecurrentForward({ ...common, x: be.upload(xTm, [T, B, D]) });
    const bf = be.quantizedRecurrentForward({ ...common, x: be.upload(xBf, [B, T, D]), batchFirst: true });
    expect(bf.y.shape).toEqual([B, T, H]);
    const yTm = await be.read(tm.y);
    const yBf = await be.read(bf.y);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        expect(Array.from(yBf.subarray((b * T + t) * H, (b * T + t + 1) * H))).toEqual(Array.from(yTm.subarray((t * B + b) * H, (t * B + b + 1) * H)));
      }
    }
    expect(Array.from(await be.read(bf.hN))).toEqual(Array.from(await be.read(tm.hN)));
    await be.destroy();
  });
});
