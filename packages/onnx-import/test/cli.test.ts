import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import { loadModel, loadModelBundle } from '@rnnkit/core';
import { runCli } from '@rnnkit/onnx-export/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { importOnnx, runImported } from '../src/index.js';
import { loadFixtures } from './fixtures.js';
import { maxDiffAll } from './helpers.js';

/** `rnnkit-onnx import`: ONNX → rnnkit model files that load back to the imported model. */

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-onnx-import-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = loadFixtures().find((f) => f.name === 'torch_gru_tagger')!;
const onnxPath = join(dir, 'tagger.onnx');
writeFileSync(onnxPath, fixture.bytes);

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}
const importer = async () => importOnnx;

describe('rnnkit-onnx import', async () => {
  const backend = await createCpuBackend();
  const imported = importOnnx(fixture.bytes);
  const want = await runImported(imported, imported.model.to(backend), fixture.feeds);

  it('writes a bundle and a mapping that load back to the same model', async () => {
    const bundle = join(dir, 'tagger.safetensors');
    const mapping = join(dir, 'tagger.mapping.json');
    const { io, out } = capture();
    expect(await runCli(['import', onnxPath, '-o', bundle, '--mapping', mapping], io, undefined, importer)).toBe(0);
    expect(out.stdout).toMatch(/opset 15\): embedding → gru×2 bidirectional → linear/);
    expect(out.stdout).toMatch(/log_probs ← output \[batch, time, feature\] then logSoftmax \(not in the model\)/);
    const model = loadModelBundle(new Uint8Array(readFileSync(bundle))).to(backend);
    expect(model.spec).toEqual(imported.spec);
    const map = JSON.parse(readFileSync(mapping, 'utf8'));
    expect(map.inputs).toEqual([{ name: 'tokens', role: 'ids', axes: ['batch', 'time'] }]);
    expect(maxDiffAll(await runImported({ ...imported, ...map }, model, fixture.feeds), want)).toBe(0);
  });

  it('writes a spec and weights as separate files', async () => {
    const spec = join(dir, 'tagger.json');
    const weights = join(dir, 'tagger.weights.safetensors');
    expect(await runCli(['import', onnxPath, '--spec', spec, '--weights', weights], capture().io, undefined, importer)).toBe(0);
    const model = loadModel(readFileSync(spec, 'utf8'), new Uint8Array(readFileSync(weights))).to(backend);
    expect(maxDiffAll(await runImported(imported, model, fixture.feeds), want)).toBe(0);
  });

  it('refuses with the importer’s message and writes nothing', async () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, fixture.bytes.subarray(0, 100));
    const out = join(dir, 'never.safetensors');
    const c = capture();
    expect(await runCli(['import', bad, '-o', out], c.io, undefined, importer)).toBe(1);
    expect(c.out.stderr).toMatch(/^rnnkit-onnx import: INVALID_FILE: /);
    expect(existsSync(out)).toBe(false);
  });

  it('names the flag on usage errors and never overwrites its input', async () => {
    const c = capture();
    expect(await runCli(['import', onnxPath], c.io, undefined, importer)).toBe(2);
    expect(c.out.stderr).toMatch(/--output: expected -o <bundle.safetensors>, or --spec <file> with --weights <file>/);
    const d = capture();
    expect(await runCli(['import', onnxPath, '-o', onnxPath], d.io, undefined, importer)).toBe(2);
    expect(d.out.stderr).toMatch(/would overwrite the input file/);
    expect(Buffer.compare(readFileSync(onnxPath), Buffer.from(fixture.bytes))).toBe(0);
  });

  it('the installed bin finds @rnnkit/onnx-import from the project it runs in', () => {
    const bin = join(dirname(createRequire(import.meta.url).resolve('@rnnkit/onnx-export/package.json')), 'dist', 'cli.js');
    const bundle = join(dir, 'from-bin.safetensors');
    const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
    const r = spawnSync(process.execPath, [bin, 'import', onnxPath, '-o', bundle], { cwd: pkgRoot, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(bundle)).toBe(true);
  });
});
