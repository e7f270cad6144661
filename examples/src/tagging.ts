/**
 * Sequence tagging, many-to-many, on a task that needs memory: each step's tag is the symbol
 * seen `delay` steps earlier (or "none" in the first steps). Sequences have different lengths,
 * padded with `padTokens`; padded steps are masked out of the loss and the accuracy.
 *
 *   pnpm --filter @rnnkit/examples run tagging
 */
import { adam, cosineWithWarmup, evaluate, fit, manyToMany, padTokens, Rng, tagSequences } from '@rnnkit/core';
import { cpu, isMain } from './common.js';
import { progressBar } from './progress.js';

export interface TaggingOptions {
  epochs?: number;
  seed?: number;
  quiet?: boolean;
}

export interface TaggingResult {
  /** Per-step accuracy on held-out sequences (valid steps only). */
  accuracy: number;
  /** The same computed from `tagSequences`' trimmed output. */
  taggedAccuracy: number;
  /** Accuracy of always tagging the current symbol: what a model without memory gets at best (≈ 1/symbols). */
  noMemoryAccuracy: number;
  epochs: number;
  seconds: number;
}

export const SYMBOLS = 6;
export const DELAY = 3;
/** Tag id meaning "nothing seen `DELAY` steps ago yet". */
export const NONE = SYMBOLS;

export function makeTaggingData(N: number, seed: number) {
  const r = new Rng(seed);
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let n = 0; n < N; n++) {
    const L = 8 + r.int(13); // 8..20 steps
    const x = Array.from({ length: L }, () => r.int(SYMBOLS));
    xs.push(x);
    ys.push(x.map((_, t) => (t >= DELAY ? x[t - DELAY] : NONE)));
  }
  const x = padTokens(xs);
  const y = padTokens(ys, { padId: -100 });
  return { x: { ids: x.ids, shape: x.shape }, y: { ids: y.ids, shape: y.shape }, lengths: x.lengths, tags: ys };
}

export async function runTagging(o: TaggingOptions = {}): Promise<TaggingResult> {
  const t0 = performance.now();
  const seed = o.seed ?? 1;
  const epochs = o.epochs ?? 12;
  const train = makeTaggingData(1200, seed);
  const test = makeTaggingData(300, seed + 1000);
  const backend = await cpu();
  const model = manyToMany({ cell: 'gru', vocabSize: SYMBOLS, embeddingDim: 8, hiddenSize: 32, outputSize: SYMBOLS + 1, seed }).to(backend);
  const batchSize = 32;
  const progress = progressBar('tagging', o.quiet);
  try {
    await fit(model, train, {
      loss: 'crossEntropy',
      optimizer: adam({ lr: 0.01, schedule: cosineWithWarmup({ warmupSteps: 10, totalSteps: epochs * Math.ceil(1200 / batchSize), minFactor: 0.05 }) }),
      epochs,
      batchSize,
      maxNorm: 1,
      metrics: ['accuracy'],
      validation: test,
      seed,
      callbacks: progress.callbacks,
    });
  } finally {
    progress.done();
  }
  const ev = await evaluate(model, test, { loss: 'crossEntropy', metrics: ['accuracy'] });
  const tagged = await tagSequences(model, test.x, { lengths: test.lengths });
  let ok = 0;
  let all = 0;
  let same = 0;
  for (const [n, row] of tagged.entries()) {
    for (const [t, tag] of row.entries()) {
      all++;
      if (tag === test.tags[n][t]) ok++;
      if (test.x.ids[n * test.x.shape[1] + t] === test.tags[n][t]) same++;
    }
  }
  model.dispose();
  return { accuracy: ev.metrics.accuracy, taggedAccuracy: ok / all, noMemoryAccuracy: same / all, epochs, seconds: (performance.now() - t0) / 1000 };
}

if (isMain(import.meta.url)) {
  const r = await runTagging();
  console.log(
    `per-step accuracy ${(100 * r.accuracy).toFixed(2)}% (tagSequences: ${(100 * r.taggedAccuracy).toFixed(2)}%; no memory: ${(100 * r.noMemoryAccuracy).toFixed(1)}%) in ${r.seconds.toFixed(1)} s`,
  );
}
