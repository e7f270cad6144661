import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, HostTensor, PredictionWithState } from '@rnnkit/core';
import { parseSafetensors, safetensorsToFloat32 } from '@rnnkit/core';
import { FORWARD_TOLERANCE, startBackendVariants } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { guideBlocks, guideFixtures, runGuideBlock } from './guide_blocks.js';

/**
 * docs/guides/porting-from-pytorch.md, run as written on every backend: the weights and the
 * numbers come from scripts/guides/porting_from_pytorch.py (PyTorch 1.13, float32), committed in
 * fixtures/guides. rnnkit must give PyTorch's outputs and final states within float32 rounding.
 */
const io = parseSafetensors(new Uint8Array(readFileSync(join(guideFixtures, 'porting_io.safetensors'))));
const torch = (name: string) => safetensorsToFloat32(io.tensors.get(name)!, name);
const maxDiff = (a: HostTensor, name: string) => {
  const b = torch(name);
  expect(a.shape).toEqual(io.tensors.get(name)!.shape);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a.data[i] - b[i]));
  return m;
};

const started: Backend[] = [];
afterAll(() => {
  for (const b of started) b.destroy();
});

it('the guide has one block and the PyTorch files are committed', () => {
  expect(guideBlocks('porting-from-pytorch.md')).toHaveLength(1);
  expect([...io.tensors.keys()].sort()).toEqual(['gru_h_n', 'gru_output', 'lengths', 'lstm_c_n', 'lstm_h_n', 'lstm_output', 'x_bf', 'x_tm'].sort());
  expect(io.tensors.get('lengths')!.dtype).toBe('I64');
});

interface Ran {
  lstmRun: PredictionWithState;
  gruRun: PredictionWithState;
  report: { missing: string[]; unexpected: string[] };
  forTorch: Uint8Array;
}

for (const { label, backend: be, why } of await startBackendVariants(['cpu', 'cpu-js', 'tfjs-wasm', 'tfjs-cpu', 'webgpu'], (name) => import(name))) {
  if (be) started.push(be);
  describe.skipIf(!be)(`porting guide on ${label} (${be?.info().engine ?? why})`, () => {
    it('gives PyTorch’s outputs and final states (time-major LSTM with int64 lengths, batch-first bidirectional GRU)', async () => {
      const [block] = guideBlocks('porting-from-pytorch.md');
      const ran = await runGuideBlock<Ran>(block, {
        backend: be!,
        exports: ['lstmRun', 'gruRun', 'report', 'forTorch'],
        cwd: guideFixtures,
        tag: `porting ${label}`,
      });
      expect(maxDiff(ran.lstmRun.output, 'lstm_output')).toBeLessThanOrEqual(FORWARD_TOLERANCE);
      expect(maxDiff(ran.lstmRun.hN, 'lstm_h_n')).toBeLessThanOrEqual(FORWARD_TOLERANCE);
      expect(maxDiff(ran.lstmRun.cN!, 'lstm_c_n')).toBeLessThanOrEqual(FORWARD_TOLERANCE);
      expect(maxDiff(ran.gruRun.output, 'gru_output')).toBeLessThanOrEqual(FORWARD_TOLERANCE);
      expect(maxDiff(ran.gruRun.hN, 'gru_h_n')).toBeLessThanOrEqual(FORWARD_TOLERANCE);
      expect(ran.report).toEqual({ missing: [], unexpected: ['head.weight', 'head.bias'] });
      // The bare-named file holds exactly nn.LSTM's state_dict keys, bit for bit what PyTorch saved.
      const ours = parseSafetensors(ran.forTorch);
      const theirs = parseSafetensors(new Uint8Array(readFileSync(join(guideFixtures, 'lstm.safetensors'))));
      expect([...ours.tensors.keys()]).toEqual([...theirs.tensors.keys()]);
      for (const [k, t] of theirs.tensors) expect(Array.from(safetensorsToFloat32(ours.tensors.get(k)!, k))).toEqual(Array.from(safetensorsToFloat32(t, k)));
    });
  });
}
