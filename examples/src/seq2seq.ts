/**
 * Sequence to sequence with different input and output lengths: spelling numbers out. An
 * encoder GRU reads the digits of a number ("407", 1 to 3 characters); its final state starts a
 * decoder GRU that writes the words ("four zero seven", 3 to 17 characters) and a stop token.
 * The digits go in reversed, so the first one to spell is the freshest in the encoder's state
 * (Sutskever et al. 2014). Trained with teacher forcing, decoded greedily and with beam search.
 *
 *   pnpm --filter @rnnkit/examples run seq2seq
 */
import { adam, charVocabulary, cosineWithWarmup, fit, padTokens, Rng, Seq2Seq } from '@rnnkit/core';
import { cpu, isMain } from './common.js';
import { progressBar } from './progress.js';

export interface Seq2SeqExampleOptions {
  epochs?: number;
  seed?: number;
  quiet?: boolean;
}

export interface Seq2SeqExampleResult {
  /** Fraction of held-out numbers spelled exactly, greedy decoding. */
  greedyExact: number;
  /** The same with beam search (width 4). */
  beamExact: number;
  /** Greedy exact match over the held-out numbers that never appear in the training set. */
  unseenExact: number;
  unseenCount: number;
  examples: { input: string; output: string; expected: string }[];
  epochs: number;
  seconds: number;
}

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** A random number of 1 to 3 digits, and its spelling. */
export function randomNumber(r: Rng): { input: string; output: string } {
  const digits = Array.from({ length: 1 + r.int(3) }, () => r.int(10));
  return { input: digits.join(''), output: digits.map((d) => WORDS[d]).join(' ') };
}

// One character vocabulary for both sides: <pad> (0), <s> (bos), </s> (eos), then characters.
const vocab = charVocabulary(['0123456789 ', ...WORDS], { unk: null, specials: ['<s>', '</s>'] });
const BOS = vocab.idOf('<s>');
const EOS = vocab.idOf('</s>');

export function makeNumberData(N: number, seed: number) {
  const r = new Rng(seed);
  const pairs = Array.from({ length: N }, () => randomNumber(r));
  // The source goes in reversed (Sutskever et al. 2014): the first digit to spell is the last one read.
  const src = padTokens(pairs.map((p) => vocab.encode(p.input).reverse()));
  const tgt = padTokens(
    pairs.map((p) => [...vocab.encode(p.output), EOS]),
    { padId: -100 },
  );
  return { x: { ids: src.ids, shape: src.shape }, y: { ids: tgt.ids, shape: tgt.shape }, lengths: src.lengths, yLengths: tgt.lengths, pairs };
}

export async function runSeq2Seq(o: Seq2SeqExampleOptions = {}): Promise<Seq2SeqExampleResult> {
  const t0 = performance.now();
  const seed = o.seed ?? 1;
  const epochs = o.epochs ?? 12;
  const N = 3000;
  const train = makeNumberData(N, seed);
  const test = makeNumberData(300, seed + 1000);
  const backend = await cpu();
  const s2s = Seq2Seq.create({ cell: 'gru', srcVocab: vocab.size, tgtVocab: vocab.size, embeddingDim: 16, hiddenSize: 48, bos: BOS, eos: EOS, seed }).to(
    backend,
  );
  const batchSize = 50;
  const progress = progressBar('seq2seq', o.quiet);
  try {
    await fit(s2s, train, {
      optimizer: adam({ lr: 0.01, schedule: cosineWithWarmup({ warmupSteps: 10, totalSteps: epochs * Math.ceil(N / batchSize), minFactor: 0.05 }) }),
      epochs,
      batchSize,
      maxNorm: 1,
      metrics: ['accuracy'],
      seed,
      callbacks: progress.callbacks,
    });
  } finally {
    progress.done();
  }
  const greedy = await s2s.greedy(test.x, { lengths: test.lengths, maxLength: 25 });
  const beam = await s2s.beamSearch(test.x, { lengths: test.lengths, maxLength: 25, beamWidth: 4 });
  const text = (ids: number[]) => vocab.decode(ids);
  const exact = (outs: number[][]) => outs.filter((ids, i) => text(ids) === test.pairs[i].output).length / outs.length;
  const seen = new Set(train.pairs.map((p) => p.input));
  const unseen = test.pairs.map((_, i) => i).filter((i) => !seen.has(test.pairs[i].input));
  const result = {
    greedyExact: exact(greedy),
    beamExact: exact(beam),
    unseenExact: unseen.filter((i) => text(greedy[i]) === test.pairs[i].output).length / unseen.length,
    unseenCount: unseen.length,
    examples: test.pairs.map((p, i) => ({ input: p.input, output: text(beam[i]), expected: p.output })),
    epochs,
    seconds: (performance.now() - t0) / 1000,
  };
  s2s.dispose();
  return result;
}

if (isMain(import.meta.url)) {
  const r = await runSeq2Seq();
  for (const e of r.examples) console.log(`${e.input.padEnd(5)} → ${e.output}${e.output === e.expected ? '' : `  (expected ${e.expected})`}`);
  console.log(
    `exact match: greedy ${(100 * r.greedyExact).toFixed(1)}%, beam ${(100 * r.beamExact).toFixed(1)}%; greedy on the ${r.unseenCount} numbers never seen in training ${(100 * r.unseenExact).toFixed(1)}% (${r.seconds.toFixed(1)} s)`,
  );
}
