import { expect, it } from 'vitest';
import { runTagging } from '../src/tagging.js';

it('tags every step with the symbol seen earlier at ≥ 98% per-step accuracy', async () => {
  const r = await runTagging({ quiet: true });
  console.log(`tagging: per-step accuracy ${(100 * r.accuracy).toFixed(2)}% (no memory ${(100 * r.noMemoryAccuracy).toFixed(1)}%) (${r.seconds.toFixed(1)} s)`);
  expect(r.accuracy).toBeGreaterThanOrEqual(0.98);
  expect(r.taggedAccuracy).toBeCloseTo(r.accuracy, 6);
  expect(r.noMemoryAccuracy).toBeLessThan(0.3);
});
