import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSpec } from '@rnnkit/core';
import { gru, lastStep, linear, lstm, quantize, saveModel, saveModelBundle, sequential, serializeSafetensors } from '@rnnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import { decodeModel, exportOnnx, exportOnnxFromState } from '../src/index.js';
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

  it('--output-activation softmax writes the same file as exportOnnxFromState with outputActivation; an unknown name is a usage error', async () => {
    const s = await saved('act');
    const out = join(dir, 'act.onnx');
    expect(await runCli(['-m', s.bundle, '-o', out, '--output-activation', 'softmax'], capture().io)).toBe(0);
    const expected = exportOnnxFromState(s.model.spec, s.state, { outputActivation: 'softmax' });
    expect(Buffer.compare(readFileSync(out), Buffer.from(expected))).toBe(0);
    const probs = (await runOrt(new Uint8Array(readFileSync(out)), { input: x })).output;
    for (let r = 0; r < 2; r++) expect(probs.data[2 * r] + probs.data[2 * r + 1]).toBeCloseTo(1, 6);
    const c = capture();
    const bad = join(dir, 'act_bad.onnx');
    expect(await runCli(['-m', s.bundle, '-o', bad, '--output-activation', 'gelu'], c.io)).toBe(2);
    expect(c.out.stderr).toMatch(/--output-activation <name>' argument 'gelu' is invalid\. Allowed choices are relu, tanh, sigmoid, softmax, logSoftmax/);
    expect(existsSync(bad)).toBe(false);
  });

  it("reads every input form through core's one safetensors reader, to the exact bytes of exportOnnxFromState", async () => {
    const s = await saved('f');
    const outs = ['f1.onnx', 'f2.onnx', 'f3.onnx'].map((f) => join(dir, f));
    expect(await runCli(['-s', s.spec, '-w', s.st, '-o', outs[0]], capture().io)).toBe(0);
    expect(await runCli(['-m', s.bundle, '-o', outs[1]], capture().io)).toBe(0);
    expect(await runCli(['-s', s.spec, '-w', s.js, '-o', outs[2]], capture().io)).toBe(0);
    const expected = exportOnnxFromState(s.model.spec, s.state);
    for (const o of outs) expect(Buffer.compare(readFileSync(o), Buffer.from(expected))).toBe(0);
    const c = capture();
    writeFileSync(join(dir, 'trunc.safetensors'), readFileSync(s.st).subarray(0, 40));
    expect(await runCli(['-s', s.spec, '-w', join(dir, 'trunc.safetensors'), '-o', join(dir, 'f4.onnx')], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/^rnnkit-onnx: --weights ".*trunc\.safetensors": INVALID_FILE: /);
    expect(existsSync(join(dir, 'f4.onnx'))).toBe(false);
  });

  it("reads float64 weights (core's reader rounds them to float32) and names a tensor it can't use", async () => {
    const s = await saved('h');
    const shapes = new Map(s.model.parameterInfo().map((p) => [p.name, p.shape]));
    const path = join(dir, 'h.f64.safetensors');
    writeFileSync(path, serializeSafetensors(new Map([...s.state].map(([k, v]) => [k, { shape: shapes.get(k)!, data: Float64Array.from(v) }]))));
    const out = join(dir, 'h.onnx');
    expect(await runCli(['-s', s.spec, '-w', path, '-o', out], capture().io)).toBe(0);
    expect(Buffer.compare(readFileSync(out), Buffer.from(exportOnnxFromState(s.model.spec, s.state)))).toBe(0);
    writeFileSync(path, serializeSafetensors(new Map([...s.state].map(([k, v]) => [k, { shape: shapes.get(k)!, data: Int32Array.from(v, Math.round) }]))));
    const c = capture();
    expect(await runCli(['-s', s.spec, '-w', path, '-o', join(dir, 'h2.onnx')], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/^rnnkit-onnx: --weights ".*h\.f64\.safetensors": INVALID_FILE: .*I32/);
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

describe('rnnkit-onnx CLI: never overwrites its input, names the flag and file (issue #14)', () => {
  it('refuses -o equal to an input, by any name (the same path, ./path, a symlink, a hard link), and leaves the input as it was', async () => {
    const s = await saved('same');
    const rel = (p: string) => `./${p.slice(process.cwd().length + 1)}`;
    const link = join(dir, 'same.link.safetensors');
    symlinkSync(s.bundle, link);
    const hard = join(dir, 'same.hard.safetensors');
    linkSync(s.bundle, hard);
    const bundleBytes = readFileSync(s.bundle);
    const cases: [string[], string][] = [
      [['--model', s.bundle, '-o', s.bundle], '--model'],
      [['--model', s.bundle, '-o', link], '--model'],
      [['--model', s.bundle, '-o', hard], '--model'],
      [['--spec', s.spec, '--weights', s.st, '-o', s.spec], '--spec'],
      [['--spec', s.spec, '--weights', s.st, '-o', s.st], '--weights'],
    ];
    if (dir.startsWith(process.cwd())) cases.push([['--model', s.bundle, '-o', rel(s.bundle)], '--model']);
    for (const [argv, flag] of cases) {
      const c = capture();
      expect(await runCli(argv, c.io), argv.join(' ')).toBe(1);
      expect(c.out.stderr).toContain(`rnnkit-onnx: INVALID_ARGUMENT: --output: expected a file other than the input ${flag} `);
      expect(c.out.stderr).toContain('got the same file (it would be overwritten); nothing was written');
    }
    expect(Buffer.compare(readFileSync(s.bundle), bundleBytes)).toBe(0);
    expect(readFileSync(s.spec, 'utf8')).toBe(JSON.stringify(s.model.spec));
  });

  it('a 300-byte bundle asking for 1e9 layers is LIMIT_EXCEEDED naming --model and the file, at once', async () => {
    const spec = {
      format: 'rnnkit.model',
      version: 1,
      seed: 0,
      layers: [
        {
          type: 'recurrent',
          cell: 'lstm',
          inputSize: 1,
          hiddenSize: 1,
          numLayers: 1e9,
          bidirectional: false,
          dropout: 0,
          batchFirst: true,
          bias: true,
          gruResetAfter: true,
        },
      ],
    };
    const header = new TextEncoder().encode(JSON.stringify({ __metadata__: { 'rnnkit.spec': JSON.stringify(spec) } }));
    const bytes = new Uint8Array(8 + header.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(header, 8);
    const path = join(dir, 'huge.safetensors');
    writeFileSync(path, bytes);
    const out = join(dir, 'huge.onnx');
    const c = capture();
    expect(await runCli(['--model', path, '-o', out], c.io)).toBe(1);
    expect(c.out.stderr).toBe(
      `rnnkit-onnx: --model ${JSON.stringify(path)}: LIMIT_EXCEEDED: spec.layers[0].numLayers: expected at most 4096 layers in the model (numLayers × directions, summed) (limits.maxLayers), got 1000000000; 1000000000 × 1 here\n`,
    );
    expect(existsSync(out)).toBe(false);
    // The same spec as JSON with JSON weights: refused before the weights are read, naming --spec.
    const specPath = join(dir, 'huge.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const w = join(dir, 'huge.weights.json');
    writeFileSync(w, '{}');
    const c2 = capture();
    expect(await runCli(['--spec', specPath, '--weights', w, '-o', out], c2.io)).toBe(1);
    expect(c2.out.stderr).toMatch(/^rnnkit-onnx: --spec ".*huge\.json": LIMIT_EXCEEDED: spec\.layers\[0\]\.numLayers/);
  });

  it('names the file at fault: a corrupt --weights, a bad --spec, a corrupt --model, an unwritable -o', async () => {
    const s = await saved('named');
    const corrupt = join(dir, 'named.bad.safetensors');
    writeFileSync(corrupt, readFileSync(s.st).subarray(0, 60));
    const out = join(dir, 'named.onnx');
    let c = capture();
    expect(await runCli(['-s', s.spec, '-w', corrupt, '-o', out], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(new RegExp(`^rnnkit-onnx: --weights ${JSON.stringify(corrupt).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: INVALID_FILE: `));
    const badSpec = join(dir, 'named.bad.json');
    writeFileSync(badSpec, JSON.stringify({ ...s.model.spec, version: 2 }));
    c = capture();
    expect(await runCli(['-s', badSpec, '-w', s.st, '-o', out], c.io)).toBe(1);
    expect(c.out.stderr).toContain(`rnnkit-onnx: --spec ${JSON.stringify(badSpec)}: INVALID_SPEC: spec.version: expected 1, got 2`);
    const badBundle = join(dir, 'named.bad.bundle.safetensors');
    writeFileSync(badBundle, readFileSync(s.bundle).subarray(0, 100));
    c = capture();
    expect(await runCli(['-m', badBundle, '-o', out], c.io)).toBe(1);
    expect(c.out.stderr).toContain(`rnnkit-onnx: --model ${JSON.stringify(badBundle)}: INVALID_FILE: `);
    c = capture();
    const nowhere = join(dir, 'no-such-dir', 'x.onnx');
    expect(await runCli(['-m', s.bundle, '-o', nowhere], c.io)).toBe(1);
    expect(c.out.stderr).toBe(`rnnkit-onnx: INVALID_FILE: --output: cannot write ${JSON.stringify(nowhere)} (ENOENT); nothing was written there\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('a quantized model file: refused without --quantized, written as the API writes it with --quantized int8 or dequantize', async () => {
    const q = await quantize(sequential([lstm({ inputSize: 3, hiddenSize: 4, bidirectional: true }), lastStep(), linear({ outFeatures: 2 })], { seed: 11 }), {
      weights: 'int8',
    });
    const saved = await saveModel(q);
    const spec = join(dir, 'q.json');
    const weights = join(dir, 'q.safetensors');
    const bundle = join(dir, 'q.bundle.safetensors');
    writeFileSync(spec, saved.spec);
    writeFileSync(weights, saved.weights);
    writeFileSync(bundle, await saveModelBundle(q));
    const out = join(dir, 'q.onnx');
    const refused = capture();
    expect(await runCli(['-s', spec, '-w', weights, '-o', out], refused.io)).toBe(1);
    expect(refused.out.stderr).toMatch(/UNSUPPORTED: model: it is quantized \(int8\); pass --quantized int8 .* or --quantized dequantize /);
    expect(existsSync(out)).toBe(false);
    for (const form of ['int8', 'dequantize'] as const) {
      for (const args of [
        ['-s', spec, '-w', weights],
        ['-m', bundle],
      ]) {
        expect(await runCli([...args, '-o', out, '--quantized', form], capture().io)).toBe(0);
        const bytes = new Uint8Array(readFileSync(out));
        expect(bytes).toEqual(await exportOnnx(q, { quantized: form }));
        const ops = decodeModel(bytes).graph!.node!.map((n) => n.opType);
        expect(ops.includes('DynamicQuantizeLSTM')).toBe(form === 'int8');
      }
    }
    const bad = capture();
    expect(await runCli(['-m', bundle, '-o', out, '--quantized', 'qdq'], bad.io)).toBe(2);
    expect(bad.out.stderr).toMatch(/argument 'qdq' is invalid. Allowed choices are int8, dequantize/);
  });

  it('--quantized int8 on a float32 file, or on a quantized GRU, says why and writes nothing', async () => {
    const s = await saved('f');
    const out = join(dir, 'f.onnx');
    const c = capture();
    expect(await runCli(['-m', s.bundle, '-o', out, '--quantized', 'int8'], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/INVALID_ARGUMENT: options\.quantized: --quantized int8 writes a quantized model's int8 weights, and this model is float32/);
    const g = await quantize(sequential([gru({ inputSize: 3, hiddenSize: 4 }), linear({ outFeatures: 2 })], { seed: 2 }), { weights: 'int8' });
    const bundle = join(dir, 'g.bundle.safetensors');
    writeFileSync(bundle, await saveModelBundle(g));
    const d = capture();
    expect(await runCli(['-m', bundle, '-o', out, '--quantized', 'int8'], d.io)).toBe(1);
    expect(d.out.stderr).toMatch(/UNSUPPORTED: model: layers\[0\] is a GRU \(gru\) layer; .* pass --quantized dequantize /);
    expect(existsSync(out)).toBe(false);
    expect(await runCli(['-m', bundle, '-o', out, '--quantized', 'dequantize'], capture().io)).toBe(0);
  });
});
