import type { HostTensor, Model, RecurrentSpec, TrainData } from '@rnnkit/core';
import { adam, evaluate, fit } from '@rnnkit/core';
import { startBackendVariants } from '@rnnkit/core/testing';
import { exportOnnx } from '@rnnkit/onnx-export';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportedOnnx, OnnxFeed, RnnkitResults } from '../src/index.js';
import { exportOptionsFor, importOnnx, runImported, toOnnxOutputs } from '../src/index.js';
import { loadFixtures } from './fixtures.js';
import { draws, maxAbsDiff, maxDiffAll, ORT_TOLERANCE, runOrt } from './helpers.js';

/**
 * Every exporter fixture on every backend: the imported model computes what onnxruntime
 * computes on the same file; exported again it runs in onnxruntime with the file's outputs and
 * imports back as the same spec and parameters bit for bit;
 * `fit` on a few batches lowers the loss; the fine-tuned model exports and runs in onnxruntime
 * with rnnkit's own outputs.
 */

const fixtures = loadFixtures();
const backends = await startBackendVariants(['cpu', 'tfjs', 'webgpu'], (name) => import(name));
const report: string[] = [];
afterAll(() => console.log(`max |difference| per fixture and backend:\n${report.join('\n')}`));

function firstRecurrent(imported: ImportedOnnx): RecurrentSpec {
  return imported.spec.layers.find((l): l is RecurrentSpec => l.type === 'recurrent')!;
}

/** Feeds for an rnnkit export of the imported model: `input`, int32 `lengths`, `h0`/`c0`, taken from the file's feeds. */
function exportFeeds(imported: ImportedOnnx, feeds: Record<string, OnnxFeed>): Record<string, OnnxFeed> {
  const out: Record<string, OnnxFeed> = {};
  for (const b of imported.inputs) {
    const f = feeds[b.name];
    if (b.role === 'x' || b.role === 'ids') out.input = f;
    else if (b.role === 'lengths') out.lengths = { data: Int32Array.from(f.data as ArrayLike<number | bigint>, (v) => Number(v)), shape: f.shape };
    else out[b.role] = f;
  }
  return out;
}

/** onnxruntime's results for an rnnkit export, as rnnkit results (`h_n`, `h_n_l{i}`, ... per recurrent layer). */
function exportResults(imported: ImportedOnnx, ort: Record<string, HostTensor>): RnnkitResults {
  const recurrent = imported.spec.layers.flatMap((l, i) => (l.type === 'recurrent' ? [i] : []));
  return {
    output: ort.output,
    states: recurrent.map((layer, k) => {
      const sfx = k === 0 ? '' : `_l${layer}`;
      return { layer, hN: ort[`h_n${sfx}`], ...(ort[`c_n${sfx}`] ? { cN: ort[`c_n${sfx}`] } : {}) };
    }),
  };
}

/**
 * The mapping for reading an export made with `exportOptionsFor(imported)`: that export applies
 * the file's final activation itself (`outputActivation`), so the results must not get it twice.
 */
function applied(imported: ImportedOnnx): ImportedOnnx {
  return { ...imported, outputs: imported.outputs.map((o) => ({ ...o, activation: undefined })) };
}

function hasRole(imported: ImportedOnnx, role: string): boolean {
  return imported.inputs.some((b) => b.role === role);
}

/** A small seeded training set shaped for the model: sample-first inputs and targets of the output's shape. */
function trainingData(imported: ImportedOnnx, feeds: Record<string, OnnxFeed>, loss: 'mse' | 'crossEntropy'): TrainData {
  const rec = firstRecurrent(imported);
  const xb = imported.inputs.find((b) => b.role === 'x' || b.role === 'ids')!;
  const T = feeds[xb.name].shape[xb.axes.indexOf('time')];
  const N = 6;
  const layers = imported.spec.layers;
  const last = layers[layers.length - 1];
  const perSequence = layers.some((l) => l.type === 'select');
  const O = last.type === 'linear' ? last.outFeatures : last.type === 'recurrent' ? last.hiddenSize * (last.bidirectional ? 2 : 1) : rec.hiddenSize;
  const first = layers[0];
  const x: TrainData['x'] =
    first.type === 'embedding'
      ? { ids: Int32Array.from({ length: N * T }, (_, i) => (i * 7 + 3) % first.numEmbeddings), shape: [N, T] }
      : { data: draws(N * T * rec.inputSize, 11), shape: [N, T, rec.inputSize] };
  const lengths = hasRole(imported, 'lengths') ? Int32Array.from({ length: N }, (_, i) => T - (i % 3)) : undefined;
  const rows = perSequence ? N : N * T;
  const y: TrainData['y'] =
    loss === 'crossEntropy'
      ? { ids: Int32Array.from({ length: rows }, (_, i) => (i * 5 + 1) % O), shape: perSequence ? [N] : [N, T] }
      : { data: draws(rows * O, 13, 0.5), shape: perSequence ? [N, O] : [N, T, O] };
  return { x, y, ...(lengths ? { lengths } : {}) };
}

describe.each(fixtures)('$name', (f) => {
  let fileOutputs: Record<string, HostTensor>;
  it('runs in onnxruntime (the reference for everything below)', async () => {
    fileOutputs = await runOrt(f.bytes, f.feeds);
    if (f.expected) {
      const d = maxDiffAll(fileOutputs, f.expected);
      report.push(`${f.name}: onnxruntime vs PyTorch ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(ORT_TOLERANCE);
    }
  });

  for (const s of backends) {
    it.skipIf(!s.backend)(
      `${s.label}: matches onnxruntime, re-exports, fine-tunes and re-exports again${s.backend ? '' : ` (skipped: ${s.why})`}`,
      async () => {
        const backend = s.backend!;
        const imported = importOnnx(f.bytes);
        const model: Model = imported.model.to(backend);

        // 1. The imported model computes the file's outputs.
        const ours = await runImported(imported, model, f.feeds);
        const dFile = maxDiffAll(ours, fileOutputs);
        const dTorch = f.expected ? maxDiffAll(ours, f.expected) : undefined;
        expect(dFile).toBeLessThanOrEqual(ORT_TOLERANCE);
        if (dTorch !== undefined) expect(dTorch).toBeLessThanOrEqual(ORT_TOLERANCE);

        // 2. Exported again, it runs in onnxruntime with the file's outputs (final activation included).
        const opts = exportOptionsFor(imported);
        const reexported = await exportOnnx(model, opts);
        const again = toOnnxOutputs(applied(imported), exportResults(imported, await runOrt(reexported, exportFeeds(imported, f.feeds))));
        const dRe = maxDiffAll(again, fileOutputs);
        expect(dRe).toBeLessThanOrEqual(ORT_TOLERANCE);
        // ... and imports back as the same spec with the same parameter bits.
        const back = importOnnx(reexported);
        expect(back.spec).toEqual(imported.spec);
        expect([...back.stateDict.keys()]).toEqual([...imported.stateDict.keys()]);
        for (const [k, v] of imported.stateDict) expect(Buffer.compare(Buffer.from(back.stateDict.get(k)!.buffer), Buffer.from(v.buffer)), k).toBe(0);

        // 3. A few batches of fit lower the loss.
        const data = trainingData(imported, f.feeds, f.train.loss);
        const before = (await evaluate(model, data, { loss: f.train.loss })).loss;
        await fit(model, data, { loss: f.train.loss, optimizer: adam({ lr: 0.02 }), epochs: 4, batchSize: 3, seed: 1 });
        const after = (await evaluate(model, data, { loss: f.train.loss })).loss;
        expect(after).toBeLessThan(before);

        // 4. The fine-tuned model exports and runs in onnxruntime with rnnkit's own outputs.
        const tuned = await runImported(imported, model, f.feeds);
        expect(maxAbsDiff(Object.values(tuned)[0], Object.values(ours)[0])).toBeGreaterThan(0);
        const tunedExport = await exportOnnx(model, opts);
        const tunedOrt = toOnnxOutputs(applied(imported), exportResults(imported, await runOrt(tunedExport, exportFeeds(imported, f.feeds))));
        const dTuned = maxDiffAll(tuned, tunedOrt);
        expect(dTuned).toBeLessThanOrEqual(ORT_TOLERANCE);
        report.push(
          `${f.name} on ${s.label}: vs onnxruntime ${dFile.toExponential(2)}${dTorch !== undefined ? `, vs PyTorch ${dTorch.toExponential(2)}` : ''}, re-export ${dRe.toExponential(2)}, loss ${before.toFixed(4)} → ${after.toFixed(4)}, fine-tuned re-export ${dTuned.toExponential(2)}`,
        );
      },
    );
  }
});
