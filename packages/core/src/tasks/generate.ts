import { describe, RnnkitError } from '../errors.js';
import type { Model } from '../model/model.js';
import type { HostTensor } from '../tensor.js';
import { formatShape, rowsCols } from '../tensor.js';
import { carriedRecurrent, stream } from '../train/streaming.js';
import { Rng } from '../util/rng.js';

/** How `generateTokens` picks each next token from the model's logits. */
export interface SamplingOptions {
  /** `greedy` (default) takes the arg-max; `sample` draws from softmax(logits / temperature). */
  strategy?: 'greedy' | 'sample';
  /** > 0; below 1 sharpens, above 1 flattens. Default 1. */
  temperature?: number;
  /** Sample among the k most likely tokens only. */
  topK?: number;
  /** Seed of the draws. Default 0. */
  seed?: number;
}

function checkSampling(o: SamplingOptions): void {
  const s = o.strategy ?? 'greedy';
  if (s !== 'greedy' && s !== 'sample')
    throw new RnnkitError('INVALID_ARGUMENT', `strategy: expected "greedy" or "sample", got ${describe(s)}`, { argument: 'strategy' });
  if (o.temperature !== undefined && !(typeof o.temperature === 'number' && o.temperature > 0 && Number.isFinite(o.temperature))) {
    throw new RnnkitError('INVALID_ARGUMENT', `temperature: expected a positive number, got ${describe(o.temperature)}`, { argument: 'temperature' });
  }
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1))
    throw new RnnkitError('INVALID_ARGUMENT', `topK: expected a positive integer, got ${describe(o.topK)}`, { argument: 'topK' });
}

/**
 * Picks a token from one row of logits: arg-max, or a draw from softmax(logits / temperature)
 * restricted to the top k.
 */
export function pickToken(logits: ArrayLike<number>, o: SamplingOptions, rng: Rng): number {
  const V = logits.length;
  let best = 0;
  for (let v = 1; v < V; v++) if (logits[v] > logits[best]) best = v;
  if ((o.strategy ?? 'greedy') === 'greedy') return best;
  const temp = o.temperature ?? 1;
  let idx = Array.from({ length: V }, (_, v) => v);
  if (o.topK !== undefined && o.topK < V) idx = idx.sort((a, b) => logits[b] - logits[a]).slice(0, o.topK);
  const w = idx.map((v) => Math.exp((logits[v] - logits[best]) / temp));
  let total = 0;
  for (const x of w) total += x;
  let u = rng.uniform() * total;
  for (let i = 0; i < idx.length; i++) {
    u -= w[i];
    if (u < 0) return idx[i];
  }
  return idx[idx.length - 1];
}

/** Options of `generateTokens` (a language model fed its own samples). */
export interface GenerateTokensOptions extends SamplingOptions {
  /** Start tokens (at least one); the model reads them all before generating. */
  prompt: ArrayLike<number>;
  /** Tokens to generate (after the prompt). */
  maxLength: number;
  /** Stop once this token is generated (it is included in the result). */
  stopToken?: number;
  /** Initial state, [numLayers, 1, H]. */
  h0?: HostTensor;
  /** Initial cell state of an LSTM, [numLayers, 1, H]. */
  c0?: HostTensor;
}

/**
 * One-to-many over tokens: autoregressive generation from a model mapping token ids to
 * next-token logits (`oneToMany({ vocabSize, … })`, an embedding-first language model). The
 * prompt runs through in one call, then each generated token is fed back one step at a time
 * with the state carried. Returns the generated tokens, without the prompt.
 */
export async function generateTokens(model: Model, o: GenerateTokensOptions): Promise<number[]> {
  if (o === null || typeof o !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected { prompt, maxLength, … }, got ${describe(o)}`, { argument: 'options' });
  carriedRecurrent(model, 'generation');
  const first = model.spec.layers[0];
  if (first.type !== 'embedding')
    throw new RnnkitError(
      'UNSUPPORTED',
      'model: generateTokens needs a model that starts with an embedding (token ids in); use generateValues for float inputs',
      { argument: 'model' },
    );
  checkSampling(o);
  const V = first.numEmbeddings;
  if (!o.prompt || o.prompt.length < 1)
    throw new RnnkitError('INVALID_ARGUMENT', `prompt: expected at least one token id, got ${describe(o.prompt)}`, { argument: 'prompt' });
  if (!(Number.isInteger(o.maxLength) && o.maxLength >= 0))
    throw new RnnkitError('INVALID_ARGUMENT', `maxLength: expected an integer ≥ 0, got ${describe(o.maxLength)}`, { argument: 'maxLength' });
  const rng = new Rng(o.seed ?? 0);
  const s = stream(model, { ...(o.h0 ? { h0: o.h0 } : {}), ...(o.c0 ? { c0: o.c0 } : {}) });
  try {
    const prompt = Array.from(o.prompt);
    let out = await s.push({ ids: prompt, shape: [1, prompt.length] });
    const res: number[] = [];
    for (let i = 0; i < o.maxLength; i++) {
      const [rows, C] = rowsCols(out.shape);
      if (C > V)
        throw new RnnkitError('UNSUPPORTED', `model: its output has ${C} classes but the embedding only ${V} ids, so outputs can't feed back`, {
          argument: 'model',
        });
      const next = pickToken(out.data.subarray((rows - 1) * C, rows * C), o, rng);
      res.push(next);
      if (next === o.stopToken || i === o.maxLength - 1) break;
      out = await s.push({ ids: [next], shape: [1, 1] });
    }
    return res;
  } finally {
    s.dispose();
  }
}

/** Options of `generateValues` (a forecaster fed its own predictions, autoregressively). */
export interface GenerateValuesOptions {
  /** Start input(s): one step `[F]`, or a primer `[T, F]` read before generating. */
  start: HostTensor;
  /** Steps to generate. */
  steps: number;
  /** Initial hidden state, [numLayers, 1, H]; zeros when absent. */
  h0?: HostTensor;
  /** Initial cell state of an LSTM, [numLayers, 1, H]. */
  c0?: HostTensor;
}

/**
 * One-to-many over values: each output `[F]` feeds back as the next input (a model from
 * `oneToMany({ inputSize })`, output size = input size). Returns one Float32Array per
 * generated step.
 */
export async function generateValues(model: Model, o: GenerateValuesOptions): Promise<Float32Array[]> {
  if (o === null || typeof o !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected { start, steps, … }, got ${describe(o)}`, { argument: 'options' });
  const rec = carriedRecurrent(model, 'generation');
  const F = rec.inputSize;
  if (model.spec.layers[0].type === 'embedding')
    throw new RnnkitError('UNSUPPORTED', 'model: generateValues needs float inputs; use generateTokens for an embedding model', { argument: 'model' });
  const st = o.start;
  if (!st || !(st.data instanceof Float32Array) || st.data.length % F !== 0 || st.data.length === 0 || st.shape[st.shape.length - 1] !== F) {
    throw new RnnkitError('SHAPE_MISMATCH', `start: expected [${F}] or [T, ${F}] floats, got ${st?.shape ? formatShape(st.shape) : describe(st)}`, {
      argument: 'start',
    });
  }
  if (!(Number.isInteger(o.steps) && o.steps >= 0))
    throw new RnnkitError('INVALID_ARGUMENT', `steps: expected an integer ≥ 0, got ${describe(o.steps)}`, { argument: 'steps' });
  const T0 = st.data.length / F;
  const shape = (T: number) => (rec.batchFirst ? [1, T, F] : [T, 1, F]);
  const s = stream(model, { ...(o.h0 ? { h0: o.h0 } : {}), ...(o.c0 ? { c0: o.c0 } : {}) });
  try {
    let out = await s.push({ data: st.data, shape: shape(T0) });
    const res: Float32Array[] = [];
    for (let i = 0; i < o.steps; i++) {
      const [rows, C] = rowsCols(out.shape);
      if (C !== F)
        throw new RnnkitError('UNSUPPORTED', `model: output has ${C} features but the input ${F}, so outputs can't feed back`, { argument: 'model' });
      const next = out.data.slice((rows - 1) * C, rows * C);
      res.push(next);
      if (i < o.steps - 1) out = await s.push({ data: next, shape: shape(1) });
    }
    return res;
  } finally {
    s.dispose();
  }
}
