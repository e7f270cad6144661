import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { Backend } from '@rnnkit/core';
import { fit } from '@rnnkit/core';
import { compareTrainingRuns, runTrainingCase, scaledError, TRAINING_TOLERANCE, torchTrainingRuns, trainingConformanceCases } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';

/**
 * Core's training conformance on backend-cpu: its fused recurrent kernels against the same
 * backend with core's composite kernels (the fused ops hidden), and whole runs against PyTorch.
 */
async function compositeCpu(): Promise<Backend> {
  const be = await createCpuBackend();
  const plain = Object.create(be) as Backend;
  for (const k of ['recurrentForward', 'recurrentBackward', 'sgdUpdate', 'adamUpdate'] as const) Object.defineProperty(plain, k, { value: undefined });
  return plain;
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
      const b = r.build();
      b.model.to(await createCpuBackend());
      const losses: number[] = [];
      await fit(b.model, b.data, {
        loss: b.loss,
        optimizer: b.optimizer,
        epochs: b.epochs,
        batchSize: 1024,
        ...(b.maxNorm ? { maxNorm: b.maxNorm } : {}),
        ...(b.clipValue ? { clipValue: b.clipValue } : {}),
        callbacks: { onStepEnd: (s) => void losses.push(s.loss) },
      });
      expect(scaledError(losses, r.losses)).toBeLessThan(1e-5);
      const sd = await b.model.stateDict();
      for (const [k, v] of r.final) expect(scaledError(sd.get(k)!, v)).toBeLessThan(1e-5);
    }
  });
});
