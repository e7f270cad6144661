import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, HostTensor, Model } from '@rnnkit/core';
import { loadModelBundle, parseSafetensors, safetensorsToFloat32 } from '@rnnkit/core';
import { FORWARD_TOLERANCE, startBackendVariants } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { guideBlocks, guideFixtures, repoRoot, runGuideBlock } from './guide_blocks.js';

/**
 * docs/guides/distributed-training.md, run as written on every backend: weights trained with
 * PyTorch DistributedDataParallel (scripts/guides/ddp_train.py: gloo, 2 processes) give
 * PyTorch's outputs on the committed probe in rnnkit, and the deployment bundle reloads to the
 * same outputs.
 */
const probe = parseSafetensors(new Uint8Array(readFileSync(join(guideFixtures, 'ddp_probe.safetensors'))));
const torchY = safetensorsToFloat32(probe.tensors.get('y')!, 'y');
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const started: Backend[] = [];
afterAll(() => {
  for (const b of started) b.destroy();
});

it('the guide has one TypeScript block and the DDP results are committed', () => {
  expect(guideBlocks('distributed-training.md')).toHaveLength(1);
  const weights = parseSafetensors(new Uint8Array(readFileSync(join(guideFixtures, 'ddp_forecaster.safetensors'))));
  expect([...weights.tensors.keys()].sort()).toEqual(
    ['head.bias', 'head.weight', 'rnn.bias_hh_l0', 'rnn.bias_ih_l0', 'rnn.weight_hh_l0', 'rnn.weight_ih_l0'].sort(),
  );
  expect(probe.tensors.get('x')!.shape).toEqual([4, 16, 1]);
});

it('the browser block imports only what the packages export', async () => {
  const text = readFileSync(join(repoRoot, 'docs', 'guides', 'distributed-training.md'), 'utf8');
  const browser = /```js\n([\s\S]*?)```/.exec(text)?.[1];
  expect(browser).toMatch(/loadModelBundle\(bytes\)\.to\(backend\)/);
  const imports = [...browser!.matchAll(/import \{ ([^}]+) \} from '([^']+)';/g)];
  expect(imports.map((m) => m[2]).sort()).toEqual(['@rnnkit/backend-cpu', '@rnnkit/backend-webgpu', '@rnnkit/core']);
  for (const [, names, pkg] of imports) {
    const mod = (await import(pkg)) as Record<string, unknown>;
    for (const n of names.split(',').map((x) => x.trim())) expect(typeof mod[n], `${pkg} exports ${n}`).toBe('function');
  }
});

for (const { label, backend: be, why } of await startBackendVariants(['cpu', 'cpu-js', 'tfjs-wasm', 'tfjs-cpu', 'webgpu'], (name) => import(name))) {
  if (be) started.push(be);
  describe.skipIf(!be)(`distributed-training guide on ${label} (${be?.info().engine ?? why})`, () => {
    it('gives the DDP-trained PyTorch model’s outputs; the bundle reloads to the same', async () => {
      const [block] = guideBlocks('distributed-training.md');
      const ran = await runGuideBlock<{ y: HostTensor; bundle: Uint8Array; model: Model; x: HostTensor }>(block, {
        backend: be!,
        exports: ['y', 'bundle', 'model', 'x'],
        cwd: guideFixtures,
        tag: `ddp ${label}`,
      });
      expect(ran.y.shape).toEqual([4, 1]);
      expect(maxDiff(ran.y.data, torchY)).toBeLessThanOrEqual(FORWARD_TOLERANCE);
      const reloaded = loadModelBundle(ran.bundle).to(be!);
      const again = await reloaded.predict(ran.x);
      expect(Array.from(again.data)).toEqual(Array.from(ran.y.data));
      reloaded.dispose();
      ran.model.dispose();
    });
  });
}
