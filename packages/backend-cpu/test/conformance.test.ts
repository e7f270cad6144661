import { conformanceCases, runConformanceCase } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/index.js';

describe('conformance (core/testing): fused cpu kernels against the float64 reference', () => {
  const be = new CpuBackend();
  for (const c of conformanceCases()) {
    it(c.name, async () => {
      const r = await runConformanceCase(be, c);
      expect(r.pass, JSON.stringify(r)).toBe(true);
    });
  }
});
