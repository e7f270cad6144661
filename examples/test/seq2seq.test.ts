import { expect, it } from 'vitest';
import { runSeq2Seq } from '../src/seq2seq.js';

it('spells numbers out (different input and output lengths) with ≥ 95% exact match', async () => {
  const r = await runSeq2Seq({ quiet: true });
  console.log(
    `seq2seq: exact match greedy ${(100 * r.greedyExact).toFixed(1)}%, beam ${(100 * r.beamExact).toFixed(1)}%, unseen numbers ${(100 * r.unseenExact).toFixed(1)}% of ${r.unseenCount} (${r.seconds.toFixed(1)} s)`,
  );
  expect(r.greedyExact).toBeGreaterThanOrEqual(0.95);
  expect(r.beamExact).toBeGreaterThanOrEqual(0.95);
  expect(r.examples[0].input.length).not.toBe(r.examples[0].expected.length);
});
