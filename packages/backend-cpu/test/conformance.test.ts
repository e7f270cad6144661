import { conformanceCases, runConformanceCase } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';

for (const { engine, create } of ENGINES) {
  describe(`conformance (core/testing) on ${engine}: fused cpu kernels against the float64 reference`, async () => {
    const be = await create();
    it('runs the engine it was asked for', () => {
      expect(be.info().engine).toBe(engine);
    });
    for (const c of conformanceCases()) {
      it(c.name, async () => {
        const r = await runConformanceCase(be, c);
        expect(r.pass, JSON.stringify(r)).toBe(true);
      });
    }
  });
}
