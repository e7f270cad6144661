import type { CellKind, RecurrentSpec, Tensor } from '@rnnkit/core';
import { initParams, recurrentParams } from '@rnnkit/core';
import { runRecurrent } from '@rnnkit/core/backend';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { fromKerasWeights, kerasLayerArgs, toKerasWeights } from '../src/index.js';
import { backendFor, ENGINES, maxAbsDiff, rand, tfTensors } from './helpers.js';

/**
 * Outside oracle: tfjs-layers' own SimpleRNN, LSTM and GRU (reset_after=False) run weights
 * converted from an rnnkit layer and must produce rnnkit's outputs and final states.
 */
interface Case {
  cell: CellKind;
  bias: boolean;
  initialState: boolean;
  lengths: boolean;
}
const cases: Case[] = [];
for (const cell of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as CellKind[])
  for (const bias of [true, false])
    for (const initialState of [false, true]) for (const lengths of [false, true]) cases.push({ cell, bias, initialState, lengths });
const name = (c: Case) =>
  `${c.cell === 'gru' ? 'gru (reset-before)' : c.cell}${c.bias ? '' : ' no bias'}${c.initialState ? ' h0' : ''}${c.lengths ? ' masked' : ''}`;

describe.each(ENGINES)('tfjs-layers oracle on tfjs-%s', (engine) => {
  it.each(cases.map((c) => [name(c), c] as const))('%s', async (_n, c) => {
    const be = await backendFor(engine);
    const tf = be.tf;
    const tf0 = tfTensors(be);
    const [B, T, D, H] = [3, 7, 5, 6];
    const spec: RecurrentSpec = {
      type: 'recurrent',
      cell: c.cell,
      gruResetAfter: false,
      inputSize: D,
      hiddenSize: H,
      numLayers: 1,
      bidirectional: false,
      dropout: 0,
      batchFirst: true,
      bias: c.bias,
    };
    const host = initParams(recurrentParams(spec), 1234);
    const xData = rand(B * T * D, 11);
    const h0Data = rand(B * H, 12).map((v) => v * 0.5);
    const c0Data = rand(B * H, 13).map((v) => v * 0.5);
    const lengths = c.lengths ? Int32Array.from([7, 3, 5]) : undefined;

    // rnnkit on this backend.
    const held: Tensor[] = [];
    const up = (d: Float32Array, shape: number[]) => {
      const t = be.upload(d, shape);
      held.push(t);
      return t;
    };
    const params = new Map<string, Tensor>();
    for (const p of recurrentParams(spec)) params.set(p.name, up(host.get(p.name)!, [...p.shape]));
    const x = up(xData, [B, T, D]);
    const lstm = c.cell === 'lstm';
    const r = runRecurrent(be, spec, params, x, {
      ...(c.initialState ? { h0: up(h0Data, [1, B, H]), ...(lstm ? { c0: up(c0Data, [1, B, H]) } : {}) } : {}),
      ...(lengths ? { lengths } : {}),
    });
    held.push(r.output, r.hN, ...(r.cN ? [r.cN] : []));
    const ours = { y: await be.read(r.output), h: await be.read(r.hN), c: r.cN ? await be.read(r.cN) : undefined };
    for (const t of held) be.dispose(t);

    // tfjs-layers with converted weights.
    const conv = { cell: c.cell, inputSize: D, hiddenSize: H, gruResetAfter: false };
    const kw = toKerasWeights(
      {
        weightIh: host.get('weight_ih_l0')!,
        weightHh: host.get('weight_hh_l0')!,
        ...(c.bias ? { biasIh: host.get('bias_ih_l0')!, biasHh: host.get('bias_hh_l0')! } : {}),
      },
      conv,
    );
    const { layer, args } = kerasLayerArgs({ ...conv, bias: c.bias });
    be.activate();
    const theirs = tf.tidy(() => {
      // Zero initializers: the weights are set below, and tfjs-layers' default orthogonal one
      // needs tfjs-core's chained ops (tensor.flatten()), which only the @tensorflow/tfjs bundle registers.
      const init = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' } as const;
      const rnn = tfl.layers[layer]({ ...args, ...init, returnSequences: true, returnState: true });
      rnn.apply(tf.zeros([B, T, D])); // builds the layer (a manual build() would be repeated by apply)
      rnn.setWeights([
        tf.tensor(kw.kernel, kw.kernelShape),
        tf.tensor(kw.recurrentKernel, kw.recurrentKernelShape),
        ...(kw.bias ? [tf.tensor(kw.bias, kw.biasShape)] : []),
      ]);
      const kwargs: Record<string, unknown> = {};
      if (c.initialState) kwargs.initialState = [tf.tensor2d(h0Data, [B, H]), ...(lstm ? [tf.tensor2d(c0Data, [B, H])] : [])];
      if (lengths)
        kwargs.mask = tf.tensor2d(
          Array.from({ length: B * T }, (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 : 0)),
          [B, T],
          'bool',
        );
      const outs = rnn.apply(tf.tensor3d(xData, [B, T, D]), kwargs) as import('@tensorflow/tfjs-core').Tensor[];
      const res = outs.map((o) => o.dataSync().slice());
      rnn.dispose();
      return res;
    }) as unknown as Float32Array[];
    const [ky, kh, kc] = theirs;

    expect(maxAbsDiff(ours.h, kh)).toBeLessThan(1e-5);
    if (lstm) expect(maxAbsDiff(ours.c!, kc)).toBeLessThan(1e-5);
    if (!lengths) {
      expect(maxAbsDiff(ours.y, ky)).toBeLessThan(1e-5);
    } else {
      // Keras repeats the last output at masked steps where rnnkit writes zeros: compare the valid steps.
      let worst = 0;
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++)
          for (let j = 0; j < H; j++) {
            const i = (b * T + t) * H + j;
            if (t < lengths[b]) worst = Math.max(worst, Math.abs(ours.y[i] - ky[i]));
            else expect(Math.abs(ours.y[i])).toBe(0);
          }
      expect(worst).toBeLessThan(1e-5);
    }
    expect(tfTensors(be)).toBe(tf0);
  });

  it('tfjs-layers 4.22 has no reset_after=True GRU; kerasLayerArgs says so', async () => {
    await backendFor(engine);
    expect(() => tfl.layers.gru({ units: 2, resetAfter: true } as never)).toThrow(/reset_after/);
    expect(() => kerasLayerArgs({ cell: 'gru', inputSize: 2, hiddenSize: 2 })).toThrow(/gruResetAfter: expected false/);
  });
});

describe('Keras weight conversion', () => {
  it.each([
    ['rnn_tanh', false],
    ['lstm', false],
    ['gru', false],
    ['gru', true],
  ] as const)('%s (gruResetAfter %s): rnnkit → Keras → rnnkit', (cell, gruResetAfter) => {
    const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
    const [D, H] = [3, 2];
    const w = { weightIh: rand(G * H * D, 1), weightHh: rand(G * H * H, 2), biasIh: rand(G * H, 3), biasHh: rand(G * H, 4) };
    const k = toKerasWeights(w, { cell, inputSize: D, hiddenSize: H, gruResetAfter });
    expect(k.kernelShape).toEqual([D, G * H]);
    expect(k.recurrentKernelShape).toEqual([H, G * H]);
    const back = fromKerasWeights(k, { cell, inputSize: D, hiddenSize: H, gruResetAfter });
    expect(Array.from(back.weightIh)).toEqual(Array.from(w.weightIh));
    expect(Array.from(back.weightHh)).toEqual(Array.from(w.weightHh));
    if (cell === 'gru' && gruResetAfter) {
      expect(k.biasShape).toEqual([2, G * H]);
      expect(Array.from(back.biasIh!)).toEqual(Array.from(w.biasIh));
      expect(Array.from(back.biasHh!)).toEqual(Array.from(w.biasHh));
    } else {
      expect(k.biasShape).toEqual([G * H]);
      // One Keras bias: b_ih + b_hh comes back as bias_ih with bias_hh = 0.
      expect(
        maxAbsDiff(
          back.biasIh!,
          w.biasIh.map((v, i) => v + w.biasHh[i]),
        ),
      ).toBe(0);
      expect(Array.from(back.biasHh!)).toEqual(new Array(G * H).fill(0));
    }
    if (cell === 'gru') {
      // Keras z block = rnnkit's second (z) block; kernel[0, 0] = W_iz[0, 0] = weight_ih[H * D].
      expect(k.kernel[0]).toBe(w.weightIh[H * D]);
      expect(k.kernel[H]).toBe(w.weightIh[0]);
    }
  });

  it('names the argument when sizes are wrong', () => {
    expect(() => toKerasWeights({ weightIh: new Float32Array(5), weightHh: new Float32Array(16) }, { cell: 'lstm', inputSize: 3, hiddenSize: 2 })).toThrow(
      /weightIh: expected a Float32Array of 24 values \(\[8, 3\]\), got 5 values/,
    );
  });
});
