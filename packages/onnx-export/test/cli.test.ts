import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSpec } from '@rnnkit/core';
import { gru, lastStep, linear, lstm, sequential } from '@rnnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import { exportOnnxFromState } from '../src/index.js';
import { draws, maxAbsDiff, runOrt } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnkit-onnx-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A float32 safetensors file (header padded to 8 bytes, tensors tiling the data section). */
function safetensors(state: Map<string, Float32Array>, shapes: Map<string, readonly number[]>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [k, v] of state) {
    header[k] = { dtype: 'F32', shape: shapes.get(k), data_offsets: [offset, offset + v.length * 4] };
    offset += v.length * 4;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let p = 8 + json.length;
  for (const v of state.values()) for (let i = 0; i < v.length; i++, p += 4) view.setFloat32(p, v[i], true);
  return out;
}

async function saved(name: string) {
  const model = sequential([lstm({ inputSize: 3, hiddenSize: 4, bidirectional: true }), lastStep(), linear({ outFeatures: 2 })], { seed: 11 });
  const state = await model.stateDict();
  const shapes = new Map(model.parameterInfo().map((p) => [p.name, p.shape]));
  const spec = join(dir, `${name}.json`);
  writeFileSync(spec, JSON.stringify(model.spec));
  const st = join(dir, `${name}.safetensors`);
  writeFileSync(st, safetensors(state, shapes));
  const js = join(dir, `${name}.weights.json`);
  writeFileSync(js, JSON.stringify(Object.fromEntries([...state].map(([k, v]) => [k, { shape: shapes.get(k), data: Array.from(v) }]))));
  const bundle = join(dir, `${name}.bundle.safetensors`);
  writeFileSync(bundle, safetensors(state, shapes, { 'rnnkit.spec': JSON.stringify(model.spec) }));
  return { model, state, spec, st, js, bundle };
}

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

const x = { float: draws(2 * 5 * 3, 3), shape: [2, 5, 3] };

describe('rnnkit-onnx CLI', () => {
  it('writes a .onnx file from --spec and --weights (safetensors), which onnxruntime runs', async () => {
    const s = await saved('a');
    const out = join(dir, 'a.onnx');
    const { io, out: text } = capture();
    expect(await runCli(['--spec', s.spec, '--weights', s.st, '-o', out, '--lengths'], io)).toBe(0);
    expect(text.stdout).toMatch(/wrote .*a\.onnx .*opset 17, IR 8; inputs input, lengths; outputs output, h_n, c_n/);
    const expected = await runOrt(exportOnnxFromState(s.model.spec, s.state, { lengths: true }), {
      input: x,
      lengths: { int32: Int32Array.from([5, 2]), shape: [2] },
    });
    const got = await runOrt(new Uint8Array(readFileSync(out)), { input: x, lengths: { int32: Int32Array.from([5, 2]), shape: [2] } });
    expect(maxAbsDiff(got.output, expected.output)).toBe(0);
  });

  it('reads JSON weights and single-file bundles to the same model', async () => {
    const s = await saved('b');
    const fromJson = join(dir, 'b1.onnx');
    const fromBundle = join(dir, 'b2.onnx');
    expect(await runCli(['-s', s.spec, '-w', s.js, '-o', fromJson], capture().io)).toBe(0);
    expect(await runCli(['--model', s.bundle, '-o', fromBundle, '--opset', '19'], capture().io)).toBe(0);
    const a = await runOrt(new Uint8Array(readFileSync(fromJson)), { input: x });
    const b = await runOrt(new Uint8Array(readFileSync(fromBundle)), { input: x });
    expect(maxAbsDiff(a.output, b.output)).toBe(0);
  });

  it("reads safetensors through core's one reader: a truncated file is INVALID_FILE and writes nothing", async () => {
    const s = await saved('f');
    const c = capture();
    writeFileSync(join(dir, 'trunc.safetensors'), readFileSync(s.st).subarray(0, 40));
    expect(await runCli(['-s', s.spec, '-w', join(dir, 'trunc.safetensors'), '-o', join(dir, 'f4.onnx')], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/INVALID_FILE/);
    expect(existsSync(join(dir, 'f4.onnx'))).toBe(false);
  });

  it('on a model that cannot be exported prints why, exits 1 and writes nothing', async () => {
    const bad = sequential([lstm({ inputSize: 3, hiddenSize: 4 }), gru({ hiddenSize: 2 })], { seed: 1 });
    const spec = join(dir, 'bad.json');
    const mixed = structuredClone(bad.spec satisfies ModelSpec);
    (mixed.layers[1] as { batchFirst: boolean }).batchFirst = false; // recurrent layers that mix layouts
    writeFileSync(spec, JSON.stringify(mixed));
    const weights = join(dir, 'bad.weights.json');
    writeFileSync(weights, JSON.stringify(Object.fromEntries([...(await bad.stateDict())].map(([k, v]) => [k, Array.from(v)]))));
    const out = join(dir, 'bad.onnx');
    const before = readdirSync(dir).length;
    const { io, out: text } = capture();
    expect(await runCli(['--spec', spec, '--weights', weights, '-o', out], io)).toBe(1);
    expect(text.stderr).toMatch(/INVALID_SPEC: spec\.layers\[1\]\.batchFirst: expected true \(every recurrent layer of a model shares one layout\)/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).length).toBe(before);
  });

  it('rejects an unsupported opset, unreadable files and missing options without writing', async () => {
    const s = await saved('c');
    const out = join(dir, 'c.onnx');
    let c = capture();
    expect(await runCli(['-s', s.spec, '-w', s.st, '-o', out, '--opset', '13'], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/UNSUPPORTED: options\.opset/);
    c = capture();
    expect(await runCli(['-s', s.spec, '-w', join(dir, 'nope.safetensors'), '-o', out], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/INVALID_FILE: --weights: cannot read/);
    c = capture();
    expect(await runCli(['-s', s.spec, '-o', out], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/--weights: expected/);
    c = capture();
    expect(await runCli(['-s', s.spec, '-w', s.st], c.io)).toBe(2);
    expect(c.out.stderr).toMatch(/required option '-o, --output <file>'/);
    expect(existsSync(out)).toBe(false);
  });

  const bin = new URL('../dist/cli.js', import.meta.url).pathname;
  if (!existsSync(bin)) console.log(`skipped: the built bin test: ${bin} does not exist (run the package build first)`);
  it.skipIf(!existsSync(bin))('runs as the built bin', async () => {
    const s = await saved('d');
    const out = join(dir, 'd.onnx');
    const r = spawnSync(process.execPath, [bin, '--spec', s.spec, '--weights', s.st, '--output', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
  });
});
