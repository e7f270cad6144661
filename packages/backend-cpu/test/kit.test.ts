import { runBackendSuite } from '@rnnkit/core/testing';
import { afterAll, describe, it } from 'vitest';
import { ENGINES } from './engines.js';

// The shared backend suite (memory, every primitive, the same bad calls, the 230 conformance
// cases, fused vs composite, training conformance and the PyTorch replay, faults), once per
// engine this runtime can run.
for (const { engine, create } of ENGINES) {
  runBackendSuite({ describe, it, afterAll }, { label: `cpu (${engine})`, create });
}
