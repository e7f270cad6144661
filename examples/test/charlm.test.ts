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
});
