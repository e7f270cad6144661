import type { Backend } from '../../backend/backend.js';
import { fit } from '../../train/fit.js';
import { scaledError } from '../conformance.js';
import type { TorchTrainingRun } from '../training_conformance.js';

/** How far a replay of a PyTorch training run landed from PyTorch's own losses and final parameters. */
export interface TorchReplay {
  /** The largest scaled error (`scaledError`) over the per-step losses. */
  lossError: number;
  /** The largest scaled error over the final parameters, and which one it was. */
  paramError: number;
  /** The state_dict name of the parameter with the largest error ('' when all match exactly). */
  worstParam: string;
}

/**
 * Replays one committed PyTorch training run (`torchTrainingRuns()`) on a backend: `fit` with one
 * full batch per epoch, the run's loss, optimizer and clipping; compares every step's loss and
 * the final parameters with PyTorch's. The model is disposed afterwards.
 */
export async function replayTorchRun(be: Backend, run: TorchTrainingRun): Promise<TorchReplay> {
  const b = run.build();
  b.model.to(be);
  try {
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
    const sd = await b.model.stateDict();
    let paramError = 0;
    let worstParam = '';
    for (const [k, v] of run.final) {
      const got = sd.get(k);
      const e = got ? scaledError(got, v) : Number.POSITIVE_INFINITY;
      if (!(e <= paramError)) {
        paramError = e;
        worstParam = k;
      }
    }
    return { lossError: scaledError(losses, run.losses), paramError, worstParam };
  } finally {
    b.model.dispose();
  }
}
