import { runBackendSuite } from '@rnnkit/core/testing';
import { afterAll, describe, it } from 'vitest';
import { createWebgpuBackend } from '../src/index.js';
import { requireAdapterInCi, startBackend } from './helpers.js';

/**
 * The shared backend test kit (`@rnnkit/core/testing`) on the webgpu backend: memory and every
 * primitive against float64 formulas, the shared bad calls, the 190 conformance cases, fused
 * against composite kernels, the training conformance and the PyTorch replay, and a fault at
 * every kernel call. On lavapipe this is the slow file (a few minutes).
 */
const probe = await startBackend();
requireAdapterInCi(probe);
const engine = probe.be?.info().engine;
probe.be?.destroy();

if (engine) {
  console.log(`webgpu kit on ${engine}`);
  runBackendSuite({ describe, it, afterAll }, { label: 'webgpu', create: () => createWebgpuBackend(), timeout: 600_000 });
} else {
  describe.skip('webgpu: the backend test kit (no WebGPU adapter)', () => {
    it('skipped', () => {});
  });
}
