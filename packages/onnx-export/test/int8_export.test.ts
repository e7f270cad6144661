import type { LayerDraft, Model } from '@rnnkit/core';
import { embedding, gru, lastStep, linear, lstm, quantize, rnn, sequential } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { decodeModel, exportOnnx, exportOnnxFromState, ONNX_GATE_SOURCE, ONNX_NAMES } from '../src/index.js';
import type { Feed, RnnkitResult } from './helpers.js';
import { draws, runOrt, runRnnkit } from './helpers.js';

/**
 * `{ quantized: 'int8' }`: LSTM layers as onnxruntime's com.microsoft DynamicQuantizeLSTM and
 * linear layers as DynamicQuantizeMatMul, with the model's own int8 weights and per-row scales.
 *
 * The two runtimes quantize activations differently — rnnkit per row (one batch row of one
 * step) to 7 bits, onnxruntime per tensor (the whole input sequence of a layer, then the [B, H]
 * hidden state each step) to uint8 — so outputs are not bit-equal. What must hold is that
 * onnxruntime on this file is as good an approximation of the float32 model as rnnkit's own
 * int8 run: its RMS error against the float32 model within INT8_RMS_FACTOR × rnnkit-int8's, on
 * every output (the main output and every final state). Measured ratios: 0.73–1.17 (the issue's
 * own bar for rnnkit against PyTorch is 1.5×). A wrong gate order, a transposed weight or a
 * mis-ordered scale gives errors of the order of the outputs themselves (≈ 100× these); the
 * signed-int8 storage this exporter does not use (see src/ops/int8_weights.ts) gave 11–37×.
 */
const INT8_RMS_FACTOR = 1.5;
/**
 * Bound on max |onnxruntime-int8 − rnnkit-int8| on these models (outputs and states of order
 * 0.1–1): each side's error against float32 peaks near 5e-3 (c_n), so two independent roundings
 * stay within 1e-2; measured at most 5.2e-3.
 */
const INT8_MAX_BETWEEN = 1e-2;

interface Case {
  name: string;
  layers: LayerDraft[];
  timeMajor?: boolean;
  lengths?: number[];
  initialState?: boolean;
  tokens?: number;
}

const [T, B, D, H] = [12, 3, 8, 32];
const cases: Case[] = [
  { name: 'lstm → linear (per step)', layers: [lstm({ inputSize: D, hiddenSize: H }), linear({ outFeatures: 5 })] },
  {
    name: 'lstm bidirectional time-major → lastStep → linear',
    layers: [lstm({ inputSize: D, hiddenSize: H, bidirectional: true, batchFirst: false }), lastStep(), linear({ outFeatures: 4 })],
    timeMajor: true,
  },
  {
    name: 'lstm 2 layers bidirectional, lengths and initial state',
    layers: [lstm({ inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true })],
    lengths: [12, 7, 1],
    initialState: true,
  },
  { name: 'lstm reverse 2 layers, lengths', layers: [lstm({ inputSize: D, hiddenSize: H, numLayers: 2, direction: 'reverse' })], lengths: [5, 12, 9] },
  {
    name: 'embedding → lstm → lstm (no bias) → lastStep → linear, lengths',
    layers: [
      embedding({ numEmbeddings: 20, embeddingDim: D }),
      lstm({ inputSize: D, hiddenSize: H }),
      lstm({ inputSize: H, hiddenSize: 16, bias: false }),
      lastStep(),
      linear({ outFeatures: 3 }),
    ],
    tokens: 20,
    lengths: [3, 12, 8],
  },
];

interface Errors {
  rms: number;
  max: number;
}
function errors(a: ArrayLike<number>, b: ArrayLike<number>): Errors {
  expect(a.length).toBe(b.length);
  let s = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
    s += d * d;
  }
  return { rms: Math.sqrt(s / a.length), max };
}

/** Every output of a run, by ONNX name: `output`, then `h_n`, `c_n` (`h_n_l{i}`… for later recurrent layers). */
function named(r: RnnkitResult, recurrentLayers: number[]): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>([[ONNX_NAMES.output, r.output.data]]);
  r.states.forEach((s, k) => {
    const sfx = k === 0 ? '' : `_l${recurrentLayers[k]}`;
    m.set(`h_n${sfx}`, s.hN.data);
    if (s.cN) m.set(`c_n${sfx}`, s.cN.data);
  });
  return m;
}

const fmt = (e: Errors) => `rms ${e.rms.toExponential(2)} max ${e.max.toExponential(2)}`;

async function inputsFor(c: Case, model: Model) {
  const [d0, d1] = c.timeMajor ? [T, B] : [B, T];
  const feeds: Record<string, Feed> = {};
  let input: Parameters<typeof runRnnkit>[1];
  if (c.tokens) {
    const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % c.tokens!);
    input = { ids, shape: [d0, d1] } as never;
    feeds.input = { int64: BigInt64Array.from(ids, (v) => BigInt(v)), shape: [d0, d1] };
  } else {
    const x = draws(B * T * D, 11);
    input = { data: x, shape: [d0, d1, D] };
    feeds.input = { float: x, shape: [d0, d1, D] };
  }
  const opts: Record<string, unknown> = {};
  if (c.lengths) {
    opts.lengths = c.lengths;
    feeds.lengths = { int32: Int32Array.from(c.lengths), shape: [B] };
  }
  if (c.initialState) {
    const rec = model.spec.layers.find((l) => l.type === 'recurrent')!;
    const rows = rec.type === 'recurrent' ? rec.numLayers * (rec.bidirectional ? 2 : 1) : 0;
    const h0 = draws(rows * B * H, 5, 0.5);
    const c0 = draws(rows * B * H, 6, 0.5);
    opts.h0 = { data: h0, shape: [rows, B, H] };
    opts.c0 = { data: c0, shape: [rows, B, H] };
    feeds.h0 = { float: h0, shape: [rows, B, H] };
    feeds.c0 = { float: c0, shape: [rows, B, H] };
  }
  return { input, opts, feeds };
}

describe("{ quantized: 'int8' }: DynamicQuantizeLSTM / DynamicQuantizeMatMul in onnxruntime", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const float = sequential(c.layers, { seed: 7 });
      const q = await quantize(float, { weights: 'int8' });
      const bytes = await exportOnnx(q, { quantized: 'int8', lengths: Boolean(c.lengths), initialState: Boolean(c.initialState) });
      const m = decodeModel(bytes);
      const ops = m.graph!.node!.map((n) => `${n.domain ? `${n.domain}.` : ''}${n.opType}`);
      expect(ops.filter((o) => o === 'LSTM' || o === 'MatMul' || o === 'Gemm')).toEqual([]);
      expect(ops).toContain('com.microsoft.DynamicQuantizeLSTM');
      expect(m.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([
        ['', 17],
        ['com.microsoft', 1],
      ]);
      const recurrentLayers = c.layers.flatMap((l, i) => (l.type === 'recurrent' ? [i] : []));
      const { input, opts, feeds } = await inputsFor(c, float);
      const f32 = named(await runRnnkit(float, input as never, opts), recurrentLayers);
      const int8 = named(await runRnnkit(q, input as never, opts), recurrentLayers);
      const ort = await runOrt(bytes, feeds);
      for (const [name, want] of f32) {
        const o = ort[name]?.data;
        expect(o, name).toBeDefined();
        const ortErr = errors(o!, want);
        const rkErr = errors(int8.get(name)!, want);
        const between = errors(o!, int8.get(name)!);
        console.log(
          `[onnx int8] ${c.name} ${name}: onnxruntime-int8 vs float32 ${fmt(ortErr)}; rnnkit-int8 vs float32 ${fmt(rkErr)}; onnxruntime-int8 vs rnnkit-int8 ${fmt(between)}`,
        );
        expect(ortErr.rms).toBeLessThanOrEqual(INT8_RMS_FACTOR * rkErr.rms);
        expect(between.max).toBeLessThanOrEqual(INT8_MAX_BETWEEN);
      }
    });
  }
});

/** Raw bytes of a decoded initializer. */
function initializer(bytes: Uint8Array, name: string) {
  const t = decodeModel(bytes).graph!.initializer!.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return { dims: t.dims!.map(Number), dataType: t.dataType, raw: t.rawData! };
}

describe("{ quantized: 'int8' }: the file", () => {
  it("holds the model's own int8 weights and scales, transposed and in ONNX gate order (uint8 + 128)", async () => {
    const q = await quantize(sequential([lstm({ inputSize: 3, hiddenSize: 4, bidirectional: true }), linear({ outFeatures: 2 })], { seed: 5 }), {
      weights: 'int8',
    });
    const bytes = await exportOnnx(q, { quantized: 'int8' });
    const lstmNode = decodeModel(bytes).graph!.node!.find((n) => n.opType === 'DynamicQuantizeLSTM')!;
    expect(lstmNode.domain).toBe('com.microsoft');
    expect(lstmNode.input!.length).toBe(12); // X W R B sequence_lens initial_h initial_c P W_scale W_zp R_scale R_zp
    const [, wName, rName, , , , , p, wScale, wZp, rScale, rZp] = lstmNode.input!;
    expect(p).toBe('');
    const qw = q.quantizedWeights()!;
    const [H, G] = [4, 4];
    for (const [name, scaleName, zpName, K, param] of [
      [wName, wScale, wZp, 3, 'weight_ih_l0'],
      [rName, rScale, rZp, H, 'weight_hh_l0'],
    ] as const) {
      const w = initializer(bytes, name);
      expect(w.dims).toEqual([2, K, G * H]);
      expect(w.dataType).toBe(2); // uint8
      const scales = initializer(bytes, scaleName);
      expect(scales.dims).toEqual([2, G * H]);
      const sv = new Float32Array(scales.raw.slice().buffer);
      const zp = initializer(bytes, zpName);
      expect([...zp.raw]).toEqual(new Array(2 * G * H).fill(128));
      for (const [d, suffix] of ['', '_reverse'].entries()) {
        const src = qw.get(`0.${param}${suffix}`)!;
        for (let onnxGate = 0; onnxGate < G; onnxGate++) {
          const torchGate = ONNX_GATE_SOURCE.lstm[onnxGate];
          for (let h = 0; h < H; h++) {
            const n = onnxGate * H + h;
            const row = torchGate * H + h;
            expect(sv[d * G * H + n]).toBe(src.scales[row]);
            for (let k = 0; k < K; k++) expect(w.raw[d * K * G * H + k * G * H + n] - 128).toBe(src.data[row * K + k]);
          }
        }
      }
    }
    const mm = decodeModel(bytes).graph!.node!.find((n) => n.opType === 'DynamicQuantizeMatMul')!;
    expect(mm.domain).toBe('com.microsoft');
    const b = initializer(bytes, mm.input![1]);
    expect(b.dims).toEqual([8, 2]);
    const lw = qw.get('1.weight')!;
    for (let o = 0; o < 2; o++) for (let f = 0; f < 8; f++) expect(b.raw[f * 2 + o] - 128).toBe(lw.data[o * 8 + f]);
  });

  it('runs the same at every opset the exporter writes (14–21; com.microsoft stays version 1)', async () => {
    const q = await quantize(sequential([lstm({ inputSize: 4, hiddenSize: 8, numLayers: 2 }), linear({ outFeatures: 3 })], { seed: 2 }), { weights: 'int8' });
    const feeds = { input: { float: draws(2 * 5 * 4, 9), shape: [2, 5, 4] } };
    const at17 = (await runOrt(await exportOnnx(q, { quantized: 'int8' }), feeds)).output.data;
    for (const opset of [14, 21]) {
      const bytes = await exportOnnx(q, { quantized: 'int8', opset });
      expect(decodeModel(bytes).opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([
        ['', opset],
        ['com.microsoft', 1],
      ]);
      expect((await runOrt(bytes, feeds)).output.data).toEqual(at17);
    }
  });

  it('is about 4× smaller than the float32 export', async () => {
    const float = sequential([lstm({ inputSize: 64, hiddenSize: 128, numLayers: 2 }), linear({ outFeatures: 10 })], { seed: 1 });
    const q = await quantize(float, { weights: 'int8' });
    const f32 = (await exportOnnx(float)).length;
    const i8 = (await exportOnnx(q, { quantized: 'int8' })).length;
    console.log(`[onnx int8] file size: float32 ${f32} bytes, int8 ${i8} bytes (${(f32 / i8).toFixed(2)}× smaller)`);
    expect(i8).toBeLessThan(f32 / 3.5);
  });
});

describe("{ quantized: 'int8' }: what it refuses", () => {
  it('a GRU or RNN layer (onnxruntime has no int8 op for them), naming the layer and the dequantize form', async () => {
    for (const [layers, what] of [
      [[lstm({ inputSize: 4, hiddenSize: 8 }), gru({ inputSize: 8, hiddenSize: 8 })], 'layers\\[1\\] is a GRU \\(gru\\)'],
      [[rnn({ inputSize: 4, hiddenSize: 8, nonlinearity: 'relu' }), linear({ outFeatures: 2 })], 'layers\\[0\\] is a RNN \\(rnn_relu\\)'],
    ] as const) {
      const q = await quantize(sequential([...layers], { seed: 1 }), { weights: 'int8' });
      await expect(exportOnnx(q, { quantized: 'int8' })).rejects.toThrow(
        expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringMatching(new RegExp(`${what} layer; .* pass \\{ quantized: 'dequantize' \\}`)) }),
      );
      // the float32 form covers it
      expect((await exportOnnx(q, { quantized: 'dequantize' })).length).toBeGreaterThan(0);
    }
  });

  it('a float32 model, a state dict, and options that are not a form', async () => {
    const float = sequential([lstm({ inputSize: 4, hiddenSize: 8 })], { seed: 1 });
    await expect(exportOnnx(float, { quantized: 'int8' })).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'options.quantized', message: expect.stringContaining('this model is float32') }),
    );
    expect(() => exportOnnxFromState(float.spec, new Map(), { quantized: 'int8' })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        argument: 'options.quantized',
        message: expect.stringContaining('pass the quantized model to exportOnnx'),
      }),
    );
    const q = await quantize(float, { weights: 'int8' });
    for (const bad of ['INT8', 'uint8', 8, true, null, {}, ['int8']]) {
      await expect(exportOnnx(q, { quantized: bad as never })).rejects.toThrow(
        expect.objectContaining({
          code: 'INVALID_ARGUMENT',
          argument: 'options.quantized',
          message: expect.stringContaining("expected 'dequantize' or 'int8'"),
        }),
      );
    }
  });
});
