import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { Backend } from '@rnnkit/core';
import {
  compareTrainingRuns,
  compositeOnly,
  replayTorchRun,
  runTrainingCase,
  TRAINING_TOLERANCE,
  torchTrainingRuns,
  trainingConformanceCases,
} from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';

/**
 * Core's training conformance on backend-cpu: its fused recurrent kernels against the same
 * backend with core's composite kernels (the fused ops hidden), and whole runs against PyTorch.
 */
async function compositeCpu(): Promise<Backend> {
  return compositeOnly(await createCpuBackend());
}

describe('training conformance on backend-cpu', () => {
  for (const c of trainingConformanceCases()) {
    it(c.name, async () => {
      const fused = await runTrainingCase(await createCpuBackend(), c);
      const composite = await runTrainingCase(await compositeCpu(), c);
      expect(fused.leakedTensors).toBe(0);
      const d = compareTrainingRuns(fused, composite);
      expect(d.paramError).toBeLessThan(TRAINING_TOLERANCE);
      expect(d.lossError).toBeLessThan(TRAINING_TOLERANCE);
    });
  }

  it('replays the committed PyTorch training runs', async () => {
    for (const r of torchTrainingRuns()) {
      const d = await replayTorchRun(await createCpuBackend(), r);
      expect(d.lossError, r.name).toBeLessThan(1e-5);
      expect(d.paramError, `${r.name}: ${d.worstParam}`).toBeLessThan(1e-5);
    }
  });
});
