import type { Backend } from '@rnnkit/core';
import { runBackendSuite } from '@rnnkit/core/testing';
import { afterAll, describe, it } from 'vitest';
import type { TfjsBackend } from '../src/index.js';
import { createTfjsBackend } from '../src/index.js';
import { ENGINES } from './helpers.js';

/**
 * The shared backend test kit (`@rnnkit/core/testing`) on each engine that starts here: memory
 * and every primitive against float64 formulas, the shared bad calls, the 230 conformance cases,
 * fused against composite kernels, the training conformance and the PyTorch replay, a fault at
 * every kernel call, and the reliability promises. `resources` counts tf.Tensors
 * (`tf.memory().numTensors`), so every leak check of the kit sees tfjs's own tensors too, not
 * only rnnkit's handles.
 */
for (const engine of ENGINES) {
  runBackendSuite(
    { describe, it, afterAll },
    {
      label: `tfjs-${engine}`,
      create: () => createTfjsBackend({ engine }),
      timeout: 300_000,
      resources: (be: Backend) => (be as TfjsBackend).tf.memory().numTensors,
    },
  );
}
