import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { importOnnx, runImported } from '../src/index.js';
import { maxDiffAll, ORT_TOLERANCE, runOrt } from './helpers.js';

/**
 * Runs the TypeScript block of docs/guides/onnx.md and the root README's "## ONNX import"
 * block as written (imports resolve to this workspace's packages), in a scratch directory
 * holding the forecaster fixture as forecaster.onnx, then checks what they promise.
 */

const here = dirname(fileURLToPath(import.meta.url));
const guidePath = join(here, '..', '..', '..', 'docs', 'guides', 'onnx.md');
const scratch = mkdtempSync(join(tmpdir(), 'rnnkit-onnx-guide-'));
const generated = join(here, '.generated');
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(generated, { recursive: true, force: true });
});

it('the guide’s import → run → fine-tune → export block runs and does what it says', async () => {
  const guide = readFileSync(guidePath, 'utf8');
  const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks).toHaveLength(1);
  copyFileSync(join(here, '..', 'fixtures', 'torch_lstm_forecaster.onnx'), join(scratch, 'forecaster.onnx'));
  mkdirSync(generated, { recursive: true });
  const file = join(generated, 'guide_block.ts');
  writeFileSync(file, `${blocks[0]}\nexport { history, model };\n`);
  const cwd = process.cwd();
  process.chdir(scratch);
  let ran: { history: { epochs: { loss: number }[] }; model: import('@rnnkit/core').Model };
  try {
    ran = await import(file);
  } finally {
    process.chdir(cwd);
  }
  const losses = ran.history.epochs.map((e) => e.loss);
  expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  // onnxruntime runs the fine-tuned export with the fine-tuned model's outputs.
  const tuned = new Uint8Array(readFileSync(join(scratch, 'forecaster-tuned.onnx')));
  const probe = { data: Float32Array.from({ length: 2 * 12 }, (_, i) => Math.sin(i / 4)), shape: [2, 12, 1] };
  const imported = importOnnx(new Uint8Array(readFileSync(join(scratch, 'forecaster.onnx'))));
  const ours = await runImported(imported, ran.model, { x: probe });
  const theirs = await runOrt(tuned, { input: probe });
  expect(maxDiffAll({ y: ours.y }, { y: theirs.output })).toBeLessThanOrEqual(ORT_TOLERANCE);
});

it('the root README’s ONNX import block runs and writes a model onnxruntime runs', async () => {
  const readme = readFileSync(join(here, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## ONNX import'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBeTruthy();
  copyFileSync(join(here, '..', 'fixtures', 'torch_lstm_forecaster.onnx'), join(scratch, 'forecaster.onnx'));
  mkdirSync(generated, { recursive: true });
  const file = join(generated, 'readme_block.ts');
  writeFileSync(file, `${block}\nexport { model };\n`);
  const cwd = process.cwd();
  process.chdir(scratch);
  let ran: { model: import('@rnnkit/core').Model };
  try {
    ran = await import(file);
  } finally {
    process.chdir(cwd);
  }
  const probe = { data: Float32Array.from({ length: 12 }, (_, i) => Math.cos(i / 3)), shape: [1, 12, 1] };
  const pass = ran.model.forward(probe);
  const ours = { data: await ran.model.backend.read(pass.output), shape: [...pass.output.shape] };
  pass.dispose();
  const theirs = await runOrt(new Uint8Array(readFileSync(join(scratch, 'forecaster-tuned.onnx'))), { input: probe });
  expect(maxDiffAll({ y: ours }, { y: theirs.output })).toBeLessThanOrEqual(ORT_TOLERANCE);
});
