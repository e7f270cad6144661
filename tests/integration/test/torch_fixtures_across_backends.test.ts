import type { Backend } from '@rnnkit/core';
import { FORWARD_TOLERANCE, GRADIENT_TOLERANCE, loadTorchFixtures, runTorchFixture, startBackendVariants as startBackends } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * PyTorch as the outside oracle on every backend: each committed fixture (torch.nn.RNN/LSTM/GRU
 * in float64, packed sequences, initial states; scripts/torch_fixtures.py) runs forward and
 * backward on each backend and engine and must match torch's outputs and gradients within the
 * conformance tolerances. A backend that can't start here is reported; under CI it fails.
 */
const fixtures = loadTorchFixtures();
const started: Backend[] = [];
afterAll(() => {
  for (const b of started) b.destroy();
});

it('the PyTorch fixtures are committed', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(20);
});

for (const { label, backend: be, why } of await startBackends(['cpu-js', 'cpu', 'tfjs-wasm', 'tfjs-cpu', 'webgpu'], (name) => import(name))) {
  if (be) started.push(be);
  describe.skipIf(!be)(`PyTorch fixtures on ${label} (${be?.info().engine ?? why})`, () => {
    for (const f of fixtures) {
      it(f.name, async () => {
        const r = await runTorchFixture(be!, f);
        expect(r.forwardError).toBeLessThanOrEqual(FORWARD_TOLERANCE);
        expect(r.gradError, `worst gradient: ${r.worstGradient}`).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
      });
    }
  });
}
