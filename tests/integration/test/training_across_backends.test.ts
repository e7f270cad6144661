import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { Backend } from '@rnnkit/core';
import {
  compareTrainingRuns,
  runTrainingCase,
  startBackendVariants as startBackends,
  TRAINING_TOLERANCE,
  type TrainingRun,
  trainingConformanceCases,
} from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue 3's "done when": a few optimizer steps from the same seed give the same parameters on
 * every backend. Each backend (and engine) trains every shared training case; parameters,
 * losses and gradient norms must match backend-cpu's plain TypeScript kernels within
 * TRAINING_TOLERANCE, with no tensors left behind. A backend that can't start here is reported;
 * under CI it fails the run.
 */

const reference = await createCpuBackend({ simd: false });
const cases = trainingConformanceCases();
const expected = new Map<string, TrainingRun>();
for (const c of cases) expected.set(c.name, await runTrainingCase(reference, c));

const started: Backend[] = [];
afterAll(() => {
  for (const b of started) b.destroy();
});

for (const { label, backend: be, why } of await startBackends(['cpu', 'tfjs-wasm', 'tfjs-cpu', 'webgpu'], (name) => import(name))) {
  if (be) started.push(be);
  describe.skipIf(!be)(`training conformance: ${label} (${be?.info().engine ?? why}) against cpu-js`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const run = await runTrainingCase(be!, c);
        const d = compareTrainingRuns(run, expected.get(c.name)!);
        expect(run.leakedTensors).toBe(0);
        expect(d.paramError, `worst parameter: ${d.worst}`).toBeLessThanOrEqual(TRAINING_TOLERANCE);
        expect(d.lossError).toBeLessThanOrEqual(TRAINING_TOLERANCE);
      });
    }
  });
}
