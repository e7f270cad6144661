/**
 * The three tasks of the examples, as the playground runs them: data, model, loss, what to show
 * of the model's output, the gradient-flow probe and the ONNX probes. Only @rnnkit/core's public
 * API is used, so this file runs the same in the worker, in Node and in a test.
 */
import type { Backend, Model, TrainData, VocabularyJSON, ZScoreJSON } from '@rnnkit/core';
import {
  charVocabulary,
  createSequences,
  fitZScore,
  generateTokens,
  manyToOne,
  oneToMany,
  padTokens,
  Rng,
  Seq2Seq,
  sliceRows,
  trainValidationSplit,
  Vocabulary,
  ZScore,
} from '@rnnkit/core';
import type { GradientProbe } from './gradients.js';
import { RHYMES } from './rhymes.js';
import type { Probe, TaskOutput, TrainConfig } from './shared.js';

/** What a saved playground model carries besides the graph and weights (safetensors metadata). */
export interface PlaygroundMeta {
  app: 'rnnkit-playground';
  version: 1;
  config: TrainConfig;
  /** Which model of the task this file holds: `model`, or `encoder`/`decoder`. */
  role: string;
  vocab?: VocabularyJSON;
  zscore?: ZScoreJSON;
  tokens?: { bos: number; eos: number };
}

export const META_KEY = 'rnnkit.playground';

export interface TaskRuntime {
  readonly config: TrainConfig;
  /** What `fit` trains: the model, or the Seq2Seq objective. */
  readonly objective: Model | Seq2Seq;
  /** Every model of the task, by role. */
  readonly models: { role: string; model: Model }[];
  readonly train: TrainData;
  readonly loss?: 'mse' | 'crossEntropy';
  /** Export options per role (a seq2seq decoder takes its initial state as graph inputs). */
  exportOptions(role: string): { initialState?: boolean };
  meta(role: string): PlaygroundMeta;
  gradientProbe(): Promise<GradientProbe>;
  output(): Promise<TaskOutput>;
  probes(): Promise<Probe[]>;
  dispose(): void;
}

/** Models by role, as loaded from files (on the host; the runtime moves them to the backend). */
export type LoadedModels = Map<string, Model>;

export function createTask(config: TrainConfig, backend: Backend, loaded?: LoadedModels, meta?: PlaygroundMeta): TaskRuntime {
  switch (config.task) {
    case 'forecast':
      return forecastTask(config, backend, loaded, meta);
    case 'charlm':
      return charLmTask(config, backend, loaded, meta);
    case 'seq2seq':
      return seq2seqTask(config, backend, loaded, meta);
  }
}

const floats = (a: ArrayLike<number>) => Array.from(a, (v) => Number(v));

function needModel(loaded: LoadedModels | undefined, role: string): Model | undefined {
  if (!loaded) return undefined;
  const m = loaded.get(role);
  if (!m) throw new Error(`load: expected a "${role}" model among the files, got ${[...loaded.keys()].join(', ') || 'none'}`);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Forecasting (many-to-one)

/** s(t) = sin(2πt/20) + 0.5 sin(2πt/7 + 1) + 0.3 sin(2πt/45) + N(0, 0.1²), as in examples/forecast. */
export function makeSeries(n: number, seed: number, noise = 0.1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from(
    { length: n },
    (_, t) => Math.sin((2 * Math.PI * t) / 20) + 0.5 * Math.sin((2 * Math.PI * t) / 7 + 1) + 0.3 * Math.sin((2 * Math.PI * t) / 45) + noise * r.normal(),
  );
}

function forecastTask(config: TrainConfig, backend: Backend, loaded?: LoadedModels, meta?: PlaygroundMeta): TaskRuntime {
  const window = config.seqLen;
  const series = makeSeries(1200, config.seed);
  const split = trainValidationSplit(series, { validationFraction: 0.2, overlap: window });
  const z = meta?.zscore ? ZScore.fromJSON(meta.zscore) : fitZScore(split.train);
  const train = createSequences(z.transform(split.train), { window, horizon: 1 });
  const val = createSequences(z.transform(split.validation), { window, horizon: 1 });
  const model = (
    needModel(loaded, 'model') ??
    manyToOne({ cell: config.cell, inputSize: 1, hiddenSize: config.hiddenSize, numLayers: config.numLayers, outputSize: 1, seed: config.seed })
  ).to(backend);
  const { mean, std } = z.toJSON();
  const unscale = (v: number) => v * std[0] + mean[0];
  const firstWindow = sliceRows(val.x, 0, 1);
  return {
    config,
    objective: model,
    models: [{ role: 'model', model }],
    train,
    loss: 'mse',
    exportOptions: () => ({}),
    meta: (role) => ({ app: 'rnnkit-playground', version: 1, config, role, zscore: z.toJSON() }),
    async gradientProbe() {
      return { model, input: { kind: 'float', data: firstWindow.data, features: 1 } };
    },
    async output() {
      const K = Math.min(160, val.x.shape[0]);
      const pred = await model.predict(sliceRows(val.x, 0, K));
      // Free-running: from window `from` on, each prediction is fed back as the newest value.
      const horizon = 40;
      const from = K - horizon;
      const win = Array.from(sliceRows(val.x, from, from + 1).data);
      const freeRun: (number | null)[] = new Array(K).fill(null);
      freeRun[from - 1] = unscale(val.y.data[from - 1]);
      for (let k = 0; k < horizon; k++) {
        const p = await model.predict({ data: Float32Array.from(win), shape: [1, window, 1] });
        freeRun[from + k] = unscale(p.data[0]);
        win.shift();
        win.push(p.data[0]);
      }
      return {
        kind: 'forecast',
        t: Array.from({ length: K }, (_, i) => i),
        actual: Array.from({ length: K }, (_, i) => unscale(val.y.data[i])),
        oneStep: Array.from({ length: K }, (_, i) => unscale(pred.data[i])),
        freeRun,
        freeRunFrom: from,
      };
    },
    async probes() {
      const out = await model.predict(firstWindow);
      return [
        {
          model: 'model',
          inputs: { input: { type: 'float32', data: floats(firstWindow.data), shape: [...firstWindow.shape] } },
          output: { data: floats(out.data), shape: [...out.shape] },
        },
      ];
    },
    dispose: () => model.dispose(),
  };
}

// ---------------------------------------------------------------------------------------------
// Character language model (one-to-many over tokens)

function charLmTask(config: TrainConfig, backend: Backend, loaded?: LoadedModels, meta?: PlaygroundMeta): TaskRuntime {
  const vocab = meta?.vocab ? Vocabulary.fromJSON(meta.vocab) : charVocabulary(RHYMES, { pad: null, unk: null });
  const ids = vocab.encode(RHYMES);
  const T = config.seqLen;
  // Overlapping chunks: x = T characters, y = the T characters after each of them.
  const stride = Math.max(1, Math.floor(T / 4));
  const starts: number[] = [];
  for (let s = 0; s + T + 1 <= ids.length; s += stride) starts.push(s);
  const x = new Int32Array(starts.length * T);
  const y = new Int32Array(starts.length * T);
  starts.forEach((s, i) => {
    for (let t = 0; t < T; t++) {
      x[i * T + t] = ids[s + t];
      y[i * T + t] = ids[s + t + 1];
    }
  });
  const model = (
    needModel(loaded, 'model') ??
    oneToMany({ cell: config.cell, vocabSize: vocab.size, embeddingDim: 16, hiddenSize: config.hiddenSize, numLayers: config.numLayers, seed: config.seed })
  ).to(backend);
  const probeText = 'Jack and Jill went up';
  return {
    config,
    objective: model,
    models: [{ role: 'model', model }],
    train: { x: { ids: x, shape: [starts.length, T] }, y: { ids: y, shape: [starts.length, T] } },
    loss: 'crossEntropy',
    exportOptions: () => ({}),
    meta: (role) => ({ app: 'rnnkit-playground', version: 1, config, role, vocab: vocab.toJSON() }),
    async gradientProbe() {
      return { model, input: { kind: 'ids', ids: x.subarray(0, T) }, target: y[T - 1] };
    },
    async output() {
      const samples = [];
      for (const [i, prompt] of ['Jack ', 'The little '].entries()) {
        const out = await generateTokens(model, { prompt: vocab.encode(prompt), maxLength: 90, strategy: 'sample', temperature: 0.6, seed: config.seed + i });
        samples.push({ prompt, text: vocab.decode(out) });
      }
      return { kind: 'charlm', samples };
    },
    async probes() {
      const p = vocab.encode(probeText);
      const out = await model.predict({ ids: p, shape: [1, p.length] });
      return [
        { model: 'model', inputs: { input: { type: 'int64', data: p, shape: [1, p.length] } }, output: { data: floats(out.data), shape: [...out.shape] } },
      ];
    },
    dispose: () => model.dispose(),
  };
}

// ---------------------------------------------------------------------------------------------
// Sequence to sequence: spelling numbers out (examples/seq2seq)

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

function seq2seqTask(config: TrainConfig, backend: Backend, loaded?: LoadedModels, meta?: PlaygroundMeta): TaskRuntime {
  const vocab = meta?.vocab ? Vocabulary.fromJSON(meta.vocab) : charVocabulary(['0123456789 ', ...WORDS], { unk: null, specials: ['<s>', '</s>'] });
  const bos = meta?.tokens?.bos ?? vocab.idOf('<s>');
  const eos = meta?.tokens?.eos ?? vocab.idOf('</s>');
  const maxDigits = Math.max(1, Math.min(8, config.seqLen));
  const numbers = (n: number, seed: number) => {
    const r = new Rng(seed);
    const pairs = Array.from({ length: n }, () => {
      const digits = Array.from({ length: 1 + r.int(maxDigits) }, () => r.int(10));
      return { input: digits.join(''), output: digits.map((d) => WORDS[d]).join(' ') };
    });
    // Sources go in reversed (Sutskever et al. 2014): the first digit to spell was read last.
    const src = padTokens(pairs.map((p) => vocab.encode(p.input).reverse()));
    const tgt = padTokens(
      pairs.map((p) => [...vocab.encode(p.output), eos]),
      { padId: -100 },
    );
    return { pairs, src, tgt };
  };
  const train = numbers(2000, config.seed);
  const test = numbers(200, config.seed + 1000);
  const encoder = needModel(loaded, 'encoder');
  const decoder = needModel(loaded, 'decoder');
  const s2s = (
    encoder && decoder
      ? new Seq2Seq(encoder, decoder, { bos, eos })
      : Seq2Seq.create({
          cell: config.cell,
          srcVocab: vocab.size,
          tgtVocab: vocab.size,
          embeddingDim: 16,
          hiddenSize: config.hiddenSize,
          numLayers: config.numLayers,
          bos,
          eos,
          seed: config.seed,
        })
  ).to(backend);
  // The longest test example drives the probes.
  let longest = 0;
  test.pairs.forEach((p, i) => {
    if (p.output.length > test.pairs[longest].output.length) longest = i;
  });
  const probeSrc = vocab.encode(test.pairs[longest].input).reverse();
  const probeTgt = [...vocab.encode(test.pairs[longest].output), eos];
  const decoderIn = [bos, ...probeTgt.slice(0, -1)];
  const encoderState = async () => {
    const pass = s2s.encoder.forward({ ids: probeSrc, shape: [1, probeSrc.length] });
    try {
      const s = pass.states[0];
      return { h: await backend.read(s.hN), c: s.cN ? await backend.read(s.cN) : undefined, shape: [...s.hN.shape] };
    } finally {
      pass.dispose();
    }
  };
  return {
    config,
    objective: s2s,
    models: [
      { role: 'encoder', model: s2s.encoder },
      { role: 'decoder', model: s2s.decoder },
    ],
    train: {
      x: { ids: train.src.ids, shape: train.src.shape },
      y: { ids: train.tgt.ids, shape: train.tgt.shape },
      lengths: train.src.lengths,
      yLengths: train.tgt.lengths,
    },
    exportOptions: (role) => (role === 'decoder' ? { initialState: true } : {}),
    meta: (role) => ({ app: 'rnnkit-playground', version: 1, config, role, vocab: vocab.toJSON(), tokens: { bos, eos } }),
    async gradientProbe() {
      // Gradient flow through the decoder, started from the encoder's state for the longest number.
      const st = await encoderState();
      return {
        model: s2s.decoder,
        input: { kind: 'ids', ids: Int32Array.from(decoderIn) },
        h0: st.h,
        ...(st.c ? { c0: st.c } : {}),
        target: probeTgt[probeTgt.length - 1],
      };
    },
    async output() {
      const decoded = await s2s.greedy({ ids: test.src.ids, shape: test.src.shape }, { lengths: test.src.lengths, maxLength: maxDigits * 6 + 2 });
      const rows = test.pairs.map((p, i) => ({ input: p.input, output: vocab.decode(decoded[i]), expected: p.output }));
      return { kind: 'seq2seq', rows: rows.slice(0, 10), exact: rows.filter((r) => r.output === r.expected).length / rows.length, tested: rows.length };
    },
    async probes() {
      const enc = await s2s.encoder.predict({ ids: probeSrc, shape: [1, probeSrc.length] });
      const st = await encoderState();
      const dec = await s2s.decoder.predict(
        { ids: decoderIn, shape: [1, decoderIn.length] },
        { h0: { data: st.h, shape: st.shape }, ...(st.c ? { c0: { data: st.c, shape: st.shape } } : {}) },
      );
      return [
        {
          model: 'encoder',
          inputs: { input: { type: 'int64', data: probeSrc, shape: [1, probeSrc.length] } },
          output: { data: floats(enc.data), shape: [...enc.shape] },
        },
        {
          model: 'decoder',
          inputs: {
            input: { type: 'int64', data: decoderIn, shape: [1, decoderIn.length] },
            h0: { type: 'float32', data: floats(st.h), shape: st.shape },
            ...(st.c ? { c0: { type: 'float32' as const, data: floats(st.c), shape: st.shape } } : {}),
          },
          output: { data: floats(dec.data), shape: [...dec.shape] },
        },
      ];
    },
    dispose: () => {
      s2s.encoder.dispose();
      s2s.decoder.dispose();
    },
  };
}
