/**
 * Character-level language model on nursery rhymes (public domain, shipped in
 * examples/data/nursery_rhymes.txt). The text is cut into 16 parallel streams and trained with
 * truncated BPTT (`fitTruncated`, chunks of 40 characters, the LSTM state carried from chunk to
 * chunk); then text is sampled one character at a time (`generateTokens`). The loss is compared
 * with the unigram entropy of the text: what a model that knows only character frequencies gets.
 *
 *   pnpm --filter @rnnkit/examples run charlm
 */
import { readFileSync } from 'node:fs';
import { adam, charVocabulary, cosineWithWarmup, evaluate, fitTruncated, generateTokens, oneToMany, quantize } from '@rnnkit/core';
import { cpu, examplesPath, isMain, logEpoch } from './common.js';

export interface CharLmOptions {
  epochs?: number;
  seed?: number;
  quiet?: boolean;
}

export interface CharLmResult {
  /** Unigram entropy of the training text, nats per character. */
  unigramEntropy: number;
  /** Cross-entropy of the last epoch over the training streams, nats per character. */
  trainLoss: number;
  /** Cross-entropy on the held-out last 10% of the text. */
  validationLoss: number;
  /** The same for the trained model after `quantize(model, { weights: 'int8' })`. */
  int8ValidationLoss: number;
  samples: string[];
  /** Words of 3+ letters from the training text that the samples contain. */
  learnedWords: string[];
  seconds: number;
}

export function loadText(): string {
  return readFileSync(examplesPath('data', 'nursery_rhymes.txt'), 'utf8');
}

function unigramEntropy(ids: ArrayLike<number>, V: number): number {
  const counts = new Float64Array(V);
  for (let i = 0; i < ids.length; i++) counts[ids[i]]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / ids.length) * Math.log(c / ids.length);
  return h;
}

export async function runCharLm(o: CharLmOptions = {}): Promise<CharLmResult> {
  const t0 = performance.now();
  const seed = o.seed ?? 1;
  const epochs = o.epochs ?? 40;
  const text = loadText();
  const vocab = charVocabulary(text, { pad: null, unk: null });
  const V = vocab.size;
  const all = vocab.encode(text);
  const cut = Math.floor(all.length * 0.9);
  const trainIds = all.slice(0, cut);
  const valIds = all.slice(cut);

  // 16 streams side by side: x = characters, y = the next character.
  const B = 16;
  const L = Math.floor((trainIds.length - 1) / B);
  const x = new Int32Array(B * L);
  const y = new Int32Array(B * L);
  for (let i = 0; i < B * L; i++) {
    x[i] = trainIds[i];
    y[i] = trainIds[i + 1];
  }

  const backend = await cpu();
  const model = oneToMany({ cell: 'lstm', vocabSize: V, embeddingDim: 24, hiddenSize: 96, seed }).to(backend);
  const k = 40;
  const steps = epochs * Math.ceil(L / k);
  const h = await fitTruncated(
    model,
    { x: { ids: x, shape: [B, L] }, y: { ids: y, shape: [B, L] } },
    {
      k,
      loss: 'crossEntropy',
      optimizer: adam({ lr: 0.02, schedule: cosineWithWarmup({ warmupSteps: 10, totalSteps: steps, minFactor: 0.1 }) }),
      epochs,
      maxNorm: 1,
      seed,
      callbacks: { onEpochEnd: (e) => ((e.epoch + 1) % 5 === 0 ? logEpoch('charlm', o.quiet)(e) : undefined) },
    },
  );
  // Held-out text as overlapping windows of 40.
  const W = 40;
  const starts = [];
  for (let s = 0; s + W + 1 <= valIds.length; s += 10) starts.push(s);
  const vx = new Int32Array(starts.length * W);
  const vy = new Int32Array(starts.length * W);
  starts.forEach((s, i) => {
    for (let t = 0; t < W; t++) {
      vx[i * W + t] = valIds[s + t];
      vy[i * W + t] = valIds[s + t + 1];
    }
  });
  const heldOut = { x: { ids: vx, shape: [starts.length, W] as [number, number] }, y: { ids: vy, shape: [starts.length, W] as [number, number] } };
  const validation = await evaluate(model, heldOut, { loss: 'crossEntropy' });
  const int8 = (await quantize(model, { weights: 'int8' })).to(backend);
  const int8Validation = await evaluate(int8, heldOut, { loss: 'crossEntropy' });
  int8.dispose();

  const samples: string[] = [];
  for (const [i, prompt] of ['Jack ', 'The ', 'Little '].entries()) {
    const out = await generateTokens(model, { prompt: vocab.encode(prompt), maxLength: 160, strategy: 'sample', temperature: 0.6, seed: seed + i });
    samples.push(prompt + vocab.decode(out));
  }
  const known = new Set(text.toLowerCase().match(/[a-z']{3,}/g));
  const learnedWords = [
    ...new Set(
      samples
        .join(' ')
        .toLowerCase()
        .match(/[a-z']{3,}/g) ?? [],
    ),
  ].filter((w) => known.has(w));
  model.dispose();
  return {
    unigramEntropy: unigramEntropy(trainIds, V),
    trainLoss: h.epochs[h.epochs.length - 1].loss,
    validationLoss: validation.loss,
    int8ValidationLoss: int8Validation.loss,
    samples,
    learnedWords,
    seconds: (performance.now() - t0) / 1000,
  };
}

if (isMain(import.meta.url)) {
  const r = await runCharLm();
  console.log(
    `unigram entropy ${r.unigramEntropy.toFixed(3)} nats/char; train loss ${r.trainLoss.toFixed(3)}, held-out ${r.validationLoss.toFixed(3)} (${r.seconds.toFixed(1)} s)`,
  );
  for (const s of r.samples) console.log(`---\n${s}`);
  console.log(`--- learned words in the samples: ${r.learnedWords.join(' ')}`);
}
