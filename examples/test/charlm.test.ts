import { expect, it } from 'vitest';
import { runCharLm } from '../src/charlm.js';

it('learns the nursery rhymes well below the unigram entropy and samples real words', async () => {
  const r = await runCharLm({ quiet: true, epochs: 20 });
  console.log(
    `charlm: unigram ${r.unigramEntropy.toFixed(3)}, train ${r.trainLoss.toFixed(3)}, held-out ${r.validationLoss.toFixed(3)} nats/char; ${r.learnedWords.length} learned words (${r.seconds.toFixed(1)} s)\n${r.samples[0]}`,
  );
  expect(r.trainLoss).toBeLessThan(0.6 * r.unigramEntropy);
  expect(r.validationLoss).toBeLessThan(r.unigramEntropy);
  expect(r.learnedWords.length).toBeGreaterThanOrEqual(8);
  expect(r.learnedWords).toEqual(expect.arrayContaining(['the']));
  // int8 (quantize → backend-cpu's int8 kernels) stays within 2% of the float32 metric
  console.log(
    `charlm int8: held-out ${r.int8ValidationLoss.toFixed(4)} vs float32 ${r.validationLoss.toFixed(4)} nats/char (${((100 * (r.int8ValidationLoss - r.validationLoss)) / r.validationLoss).toFixed(2)}%)`,
  );
  expect(Math.abs(r.int8ValidationLoss - r.validationLoss)).toBeLessThanOrEqual(0.02 * r.validationLoss);
});
