import { runBackendSuite } from '@rnnkit/core/testing';
import { afterAll, describe, it } from 'vitest';
import { createWebgpuBackend, type WebgpuBackend } from '../src/index.js';
import { requireAdapterInCi, startBackend } from './helpers.js';

/**
 * The shared backend test kit (`@rnnkit/core/testing`) on the webgpu backend, once per recurrent
 * path. With the sequence kernels forced (`recurrentPath: 'sequence'`, what `auto` picks at
 * the kit's sizes): memory and every primitive against float64 formulas, the shared bad calls,
 * the 230 conformance cases, fused against composite kernels, the training conformance and the
 * PyTorch replay, a fault at every kernel call, the reliability part. With the per-step kernels
 * forced (`recurrentPath: 'step'`): every part the recurrent path can change — conformance,
 * fused, training — again, with the tiled GEMM forced (`gemmKernel: 'tiled'`): on a software
 * adapter, where `auto` (the first run) picks the blocked GEMM, both GEMM forms run the
 * conformance. On lavapipe this is the slow file (several minutes).
 */
const probe = await startBackend();
requireAdapterInCi(probe);
const engine = probe.be?.info().engine;
probe.be?.destroy();

if (engine) {
  console.log(`webgpu kit on ${engine}`);
  runBackendSuite(
    { describe, it, afterAll },
    {
      label: 'webgpu [sequence path]',
      create: () => createWebgpuBackend({ recurrentPath: 'sequence' }),
      timeout: 600_000,
      // The reliability part also checks that GPU buffers handed out come back, not only tensors.
      resources: (be) => (be as WebgpuBackend).liveGpuBuffers(),
    },
  );
  const samePath = 'runs no fused recurrent kernel differently on the two paths (it ran above with the sequence path)';
  runBackendSuite(
    { describe, it, afterAll },
    {
      label: 'webgpu [per-step path, tiled GEMM]',
      create: () => createWebgpuBackend({ recurrentPath: 'step', gemmKernel: 'tiled' }),
      timeout: 600_000,
      omitted: {
        memory: samePath,
        primitives: samePath,
        errors: samePath,
        quantized: 'runs the int8 ops on the same dequantized float32 matmul on both paths (it ran above with the sequence path)',
        faults: 'the same kernel calls fail on both paths (a fault at every call ran above with the sequence path)',
        reliability: samePath,
      },
    },
  );
} else {
  // Outside CI only: under CI, requireAdapterInCi above fails the run instead.
  console.log('skipped: the webgpu backend test kit: no WebGPU adapter here (CI installs Mesa lavapipe)');
  describe.skip('webgpu: the backend test kit — skipped: no WebGPU adapter here', () => {
    it('needs a WebGPU adapter (Mesa lavapipe in CI, a browser GPU elsewhere)', () => {});
  });
}
