import { readFileSync } from 'node:fs';
import type { LayerDraft } from '@rnnkit/core';
import { gru, lastStep, linear, lstm, rnn, sequential } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxValueInfo } from '../src/index.js';
import { DEFAULT_OPSET, decodeModel, exportOnnx, irVersionFor, MAX_OPSET, MIN_OPSET, VERSION } from '../src/index.js';
import { draws, maxAbsDiff, runOrt } from './helpers.js';

const text = new TextDecoder();
const exportOf = async (layers: LayerDraft[], opts = {}) => decodeModel(await exportOnnx(sequential(layers, { seed: 5 }), opts));
/** Decoded messages are plain objects whose repeated fields are always arrays. */
const graphOf = (m: OnnxModel) => m.graph!;
const nodes = (m: OnnxModel) => graphOf(m).node;
const attr = (node: OnnxNode, name: string): OnnxAttribute | undefined => node.attribute.find((a) => a.name === name);

describe('the ONNX model message', () => {
  it('states opset 17, IR version 8, producer and the rnnkit graph in metadata', async () => {
    const layers = [lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2 }), lastStep(), linear({ outFeatures: 2 })];
    const model = sequential(layers, { seed: 5 });
    const m = decodeModel(await exportOnnx(model));
    expect(DEFAULT_OPSET).toBe(17);
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(m.producerName).toBe('rnnkit');
    expect(m.producerVersion).toBe(VERSION);
    expect(m.docString).toMatch(/lstm/);
    expect(graphOf(m).docString).toMatch(/input: float \[batch, sequence, 3\]/);
    const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(meta['rnnkit.spec'])).toEqual(model.spec);
    expect(meta['rnnkit.layout']).toBe('batch_first');
    expect(JSON.parse(meta['rnnkit.optional_inputs'])).toEqual([]);
  });

  it('keeps VERSION equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });

  it('declares symbolic batch and sequence axes', async () => {
    const m = await exportOf([gru({ inputSize: 3, hiddenSize: 4, batchFirst: false })], { lengths: true, initialState: true });
    const tensorType = (v: OnnxValueInfo | undefined) => {
      if (v?.type?.value.case !== 'tensorType') throw new Error(`${v?.name}: expected a tensor type`);
      return v.type.value.value;
    };
    const dims = (name: string, list = graphOf(m).input) =>
      tensorType(list.find((v) => v.name === name)).shape!.dim.map((d) => (d.value.case === 'dimParam' ? d.value.value : Number(d.value.value)));
    expect(dims('input')).toEqual(['sequence', 'batch', 3]);
    expect(dims('lengths')).toEqual(['batch']);
    expect(dims('h0')).toEqual([1, 'batch', 4]);
    expect(dims('output', graphOf(m).output)).toEqual(['sequence', 'batch', 4]);
    expect(dims('h_n', graphOf(m).output)).toEqual([1, 'batch', 4]);
    expect(tensorType(graphOf(m).input.find((v) => v.name === 'lengths')).elemType).toBe(6); // int32
  });

  it('writes one native op per stacked layer, never a loop', async () => {
    const m = await exportOf([lstm({ inputSize: 3, hiddenSize: 4, numLayers: 3, bidirectional: true })]);
    const ops = nodes(m).map((n) => n.opType);
    expect(ops.filter((o) => o === 'LSTM')).toHaveLength(3);
    expect(ops.some((o) => o === 'Loop' || o === 'Scan')).toBe(false);
    for (const n of nodes(m).filter((x) => x.opType === 'LSTM')) {
      expect(text.decode(attr(n, 'direction')!.s)).toBe('bidirectional');
      expect(Number(attr(n, 'hidden_size')!.i)).toBe(4);
    }
  });

  it('sets linear_before_reset from gruResetAfter and RNN activations per direction', async () => {
    const after = await exportOf([gru({ inputSize: 2, hiddenSize: 3 })]);
    const before = await exportOf([gru({ inputSize: 2, hiddenSize: 3, resetAfter: false })]);
    const relu = await exportOf([rnn({ inputSize: 2, hiddenSize: 3, nonlinearity: 'relu', bidirectional: true })]);
    const node = (m: typeof after, op: string) => nodes(m).find((n) => n.opType === op)!;
    expect(Number(attr(node(after, 'GRU'), 'linear_before_reset')!.i)).toBe(1);
    expect(Number(attr(node(before, 'GRU'), 'linear_before_reset')!.i)).toBe(0);
    expect(attr(node(relu, 'RNN'), 'activations')!.strings!.map((s) => text.decode(s))).toEqual(['Relu', 'Relu']);
  });

  it('omits B when the layer has no bias', async () => {
    const m = await exportOf([lstm({ inputSize: 2, hiddenSize: 3, bias: false })]);
    const n = nodes(m).find((x) => x.opType === 'LSTM')!;
    expect(n.input.length === 3 || n.input[3] === '').toBe(true);
  });

  it(`loads in onnxruntime at every opset ${MIN_OPSET}..${MAX_OPSET} with the same results`, async () => {
    const model = sequential([gru({ inputSize: 2, hiddenSize: 3, bidirectional: true }), lastStep(), linear({ outFeatures: 2 })], { seed: 2 });
    const x = draws(3 * 4 * 2, 4);
    const feeds = { input: { float: x, shape: [3, 4, 2] }, lengths: { int32: Int32Array.from([4, 2, 3]), shape: [3] } };
    const base = await runOrt(await exportOnnx(model, { lengths: true }), feeds);
    for (let opset = MIN_OPSET; opset <= MAX_OPSET; opset++) {
      const bytes = await exportOnnx(model, { lengths: true, opset });
      expect(Number(decodeModel(bytes).irVersion)).toBe(irVersionFor(opset));
      const r = await runOrt(bytes, feeds);
      expect(maxAbsDiff(r.output, base.output)).toBe(0);
    }
  });
});
