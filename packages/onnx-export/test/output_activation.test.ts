import type { HostTensor, LayerDraft } from '@rnnkit/core';
import { embedding, gru, hostTensor, lastStep, linear, lstm, RnnkitError, sequential } from '@rnnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutputActivation } from '../src/index.js';
import { decodeModel, exportOnnx, OUTPUT_ACTIVATIONS } from '../src/index.js';
import type { Feed } from './helpers.js';
import { DiffLog, draws, maxAbsDiff, ORT_TOLERANCE, runOrt, runRnnkit } from './helpers.js';

/**
 * `outputActivation`: the exported graph applies the activation to `output` (softmax and
 * logSoftmax over the last axis) and leaves the states alone. Reference: backend-cpu's output
 * (logits) with the activation computed here in float64.
 */
const log = new DiffLog();
afterAll(() => console.log(log.summary('outputActivation vs backend-cpu + float64 activation')));

/** The activation over the last axis, in float64, rounded once to float32. */
function reference(t: HostTensor, act: OutputActivation): HostTensor {
  const C = t.shape[t.shape.length - 1];
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < t.data.length / C; r++) {
    const row = Array.from(t.data.subarray(r * C, (r + 1) * C), Number);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    const f: Record<OutputActivation, (v: number) => number> = {
      softmax: (v) => Math.exp(v - lse),
      logSoftmax: (v) => v - lse,
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      tanh: Math.tanh,
      relu: (v) => Math.max(0, v),
    };
    row.forEach((v, j) => {
      out[r * C + j] = f[act](v);
    });
  }
  return { data: out, shape: [...t.shape] };
}

const B = 3;
const T = 5;
const MODELS: { name: string; layers: LayerDraft[]; timeMajor?: boolean; tokens?: number }[] = [
  { name: 'lstm → lastStep → linear [B, C]', layers: [lstm({ inputSize: 3, hiddenSize: 4 }), lastStep(), linear({ outFeatures: 4 })] },
  {
    name: 'gru bi time-major → per-step linear [T, B, C]',
    layers: [gru({ inputSize: 3, hiddenSize: 4, bidirectional: true, batchFirst: false }), linear({ outFeatures: 5 })],
    timeMajor: true,
  },
  { name: 'embedding → gru [B, T, H] (no head)', layers: [embedding({ numEmbeddings: 7, embeddingDim: 3 }), gru({ hiddenSize: 4 })], tokens: 7 },
];

describe('exportOnnx(model, { outputActivation })', () => {
  for (const m of MODELS)
    for (const act of OUTPUT_ACTIVATIONS) {
      it(`${act}: ${m.name}`, async () => {
        const model = sequential(m.layers, { seed: 21 });
        const bytes = await exportOnnx(model, { outputActivation: act });
        const graph = decodeModel(bytes).graph!;
        const last = graph.node.find((n) => n.output.includes('output'))!;
        const op = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', softmax: 'Softmax', logSoftmax: 'LogSoftmax' }[act];
        expect(last.opType).toBe(op);
        if (act === 'softmax' || act === 'logSoftmax') expect(last.attribute.map((a) => [a.name, Number(a.i)])).toEqual([['axis', -1]]);

        const shape2: [number, number] = m.timeMajor ? [T, B] : [B, T];
        let rk: Parameters<typeof runRnnkit>[1];
        let feed: Feed;
        if (m.tokens) {
          const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % m.tokens!);
          rk = { ids, shape: shape2 };
          feed = { int64: BigInt64Array.from(ids, (v) => BigInt(v)), shape: shape2 };
        } else {
          const x = draws(B * T * 3, 4, 1.5); // scale 1.5: logits that reach every activation's curved part
          rk = hostTensor(x, [...shape2, 3]);
          feed = { float: x, shape: [...shape2, 3] };
        }
        const ox = await runOrt(bytes, { input: feed });
        const r = await runRnnkit(model, rk);
        const want = reference(r.output, act);
        const d = maxAbsDiff(want, ox.output);
        log.add(`${act}: ${m.name}`, d);
        expect(d).toBeLessThanOrEqual(ORT_TOLERANCE);
        // The states are the recurrent layer's, untouched by the activation.
        expect(maxAbsDiff(r.states[0].hN, ox.h_n)).toBeLessThanOrEqual(ORT_TOLERANCE);
        if (r.states[0].cN) expect(maxAbsDiff(r.states[0].cN, ox.c_n)).toBeLessThanOrEqual(ORT_TOLERANCE);
        // Softmax rows sum to 1: the axis really is the features.
        if (act === 'softmax') {
          const C = ox.output.shape[ox.output.shape.length - 1];
          for (let i = 0; i < ox.output.data.length; i += C) expect(ox.output.data.subarray(i, i + C).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
        }
        model.dispose();
      });
    }

  it('at every opset the exporter writes, softmax normalises the last axis', async () => {
    const model = sequential([gru({ inputSize: 3, hiddenSize: 4 }), linear({ outFeatures: 3 })], { seed: 2 });
    const x = draws(B * T * 3, 6);
    const want = reference((await runRnnkit(model, hostTensor(x, [B, T, 3]))).output, 'softmax');
    for (const opset of [14, 17, 21]) {
      const ox = await runOrt(await exportOnnx(model, { opset, outputActivation: 'softmax' }), { input: { float: x, shape: [B, T, 3] } });
      expect(maxAbsDiff(want, ox.output), `opset ${opset}`).toBeLessThanOrEqual(ORT_TOLERANCE);
    }
    model.dispose();
  });

  it('a value other than the five is INVALID_ARGUMENT naming options.outputActivation', async () => {
    const model = sequential([lstm({ inputSize: 2, hiddenSize: 3 })], { seed: 1 });
    for (const bad of ['gelu', 'Softmax', 1, null]) {
      const e = await exportOnnx(model, { outputActivation: bad as OutputActivation }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(RnnkitError);
      expect((e as RnnkitError).code).toBe('INVALID_ARGUMENT');
      expect((e as RnnkitError).argument).toBe('options.outputActivation');
      expect((e as RnnkitError).message).toMatch(/expected one of relu, tanh, sigmoid, softmax, logSoftmax, got /);
    }
    model.dispose();
  });
});
