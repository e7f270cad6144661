import { conformanceCases, runConformanceCase } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { noGpuErrors, requireAdapterInCi, startBackend } from './helpers.js';

const started = await startBackend();
requireAdapterInCi(started);
const be = started.be!;
afterAll(() => be?.destroy());

describe.skipIf(!be)('conformance (core/testing): fused WGSL kernels against the float64 reference', () => {
  for (const c of conformanceCases()) {
    it(c.name, async () => {
      const r = await noGpuErrors(be, () => runConformanceCase(be, c));
      expect(r.pass, JSON.stringify(r)).toBe(true);
    });
  }
});
