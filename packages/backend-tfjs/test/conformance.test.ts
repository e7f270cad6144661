import { conformanceCases, runConformanceCase } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import { ENGINES, backendFor, tfTensors } from './helpers.js';

describe.each(ENGINES)('conformance (core/testing) on tfjs-%s: fused kernels against the float64 reference', (engine) => {
  for (const c of conformanceCases()) {
    it(c.name, async () => {
      const be = await backendFor(engine);
      const tf0 = tfTensors(be);
      const r = await runConformanceCase(be, c);
      expect(r.pass, JSON.stringify(r)).toBe(true);
      expect(tfTensors(be)).toBe(tf0);
    });
  }
});
