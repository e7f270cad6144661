/**
 * Issue #14, finding 1: sizes from a spec, a file or an argument are limited before anything is
 * allocated. Before the fix these asked V8 for gigabytes, so they run here, in the heap-capped
 * child of test/properties.test.ts: a regression fails that test instead of killing the runner.
 */
import { describe, expect, it } from 'vitest';
import { defineBackend } from '../../src/backend/index.js';
import type { ModelSpec } from '../../src/index.js';
import { DEFAULT_LIMITS, embedding, gru, linear, loadModel, loadModelBundle, lstm, rnn, saveWeights, sequential, validateModelSpec } from '../../src/index.js';
import { createReferenceBackend, referenceKernels, referenceMemory } from '../../src/testing/index.js';
import { thrown } from '../helpers.js';

/** A safetensors file from raw header text and data bytes. */
function rawFile(header: string, dataBytes = 0): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

const recurrentSpec = (o: Record<string, unknown>): ModelSpec =>
  ({
    format: 'rnnkit.model',
    version: 1,
    seed: 0,
    layers: [
      {
        type: 'recurrent',
        cell: 'lstm',
        inputSize: 1,
        hiddenSize: 1,
        numLayers: 1,
        bidirectional: false,
        dropout: 0,
        batchFirst: true,
        bias: true,
        gruResetAfter: true,
        ...o,
      },
    ],
  }) as ModelSpec;

describe('#14.1: sizes from a spec, a file or an argument are limited before anything is allocated', () => {
  it('sequential: hiddenSize 1e9, numEmbeddings 1e9, hiddenSize 1e5 are LIMIT_EXCEEDED within milliseconds', () => {
    for (const [name, f] of [
      ['lstm hiddenSize 1e9', () => sequential([lstm({ inputSize: 1, hiddenSize: 1e9 })])],
      ['embedding 1e9', () => sequential([embedding({ numEmbeddings: 1e9, embeddingDim: 4 }), gru({ hiddenSize: 2 })])],
      ['lstm hiddenSize 1e5', () => sequential([lstm({ inputSize: 1, hiddenSize: 1e5 })])],
      ['numLayers 1e9', () => sequential([rnn({ inputSize: 1, hiddenSize: 1, numLayers: 1e9 })])],
    ] as const) {
      const e = thrown(f);
      expect(e.code, name).toBe('LIMIT_EXCEEDED');
      expect(e.message, name).toMatch(/^spec\.layers\[0\](\.\w+)?: expected at most \d+ .* \(limits\.max\w+\), got [\d.e+]+/);
    }
    expect(thrown(() => sequential([lstm({ inputSize: 1, hiddenSize: 1e5 })])).message).toContain('limits.maxTensorElements');
  });

  it('a 364-byte-class bundle or spec asking for 1e9 layers or a huge hiddenSize: loadModelBundle and loadModel refuse it before allocating', async () => {
    for (const o of [{ numLayers: 1e9 }, { hiddenSize: 1e9 }, { hiddenSize: 3e5 }, { inputSize: 2 ** 40 }]) {
      const specText = JSON.stringify(recurrentSpec(o));
      const bundle = rawFile(JSON.stringify({ __metadata__: { 'rnnkit.spec': specText } }));
      expect(bundle.length).toBeLessThan(400);
      const a = thrown(() => loadModelBundle(bundle));
      expect(a.code, JSON.stringify(o)).toBe('LIMIT_EXCEEDED');
      const b = thrown(() => loadModel(specText, rawFile('{}')));
      expect(b.code, JSON.stringify(o)).toBe('LIMIT_EXCEEDED');
    }
  });

  it('limits are per call: lowered, raised, and validated (type, range, unknown keys)', async () => {
    const layers = [lstm({ inputSize: 3, hiddenSize: 8 }), linear({ outFeatures: 1 })];
    expect(thrown(() => sequential(layers, { limits: { maxParameters: 100 } })).code).toBe('LIMIT_EXCEEDED');
    expect(sequential(layers, { limits: { maxParameters: 100_000 } }).limits.maxParameters).toBe(100_000);
    expect(thrown(() => sequential([lstm({ inputSize: 1, hiddenSize: 20_000 })], { limits: { maxTensorElements: 1e9 } })).code).toBe('LIMIT_EXCEEDED'); // maxParameters still holds
    for (const bad of [{ maxParameters: Number.NaN }, { maxParameters: -1 }, { maxParameters: 1.5 }, { maxParamters: 10 }, { maxLayers: '9' }, 'big', null]) {
      const e = thrown(() => sequential(layers, { limits: bad as never }));
      expect(e.code, JSON.stringify(bad)).toBe('INVALID_ARGUMENT');
      expect(e.message).toMatch(/^limits/);
    }
    expect(thrown(() => validateModelSpec(sequential(layers).spec, { limits: { maxLayers: 1 } })).code).toBe('LIMIT_EXCEEDED');
    const m = sequential(layers);
    const w = await saveWeights(m);
    expect(thrown(() => loadModel(m.spec, w, { limits: { maxParameters: 10 } })).code).toBe('LIMIT_EXCEEDED');
    expect(DEFAULT_LIMITS).toMatchObject({
      maxParameters: 2 ** 28,
      maxTensorElements: 2 ** 30,
      maxCallBytes: 2 ** 35,
      maxLayers: 4096,
      maxHeaderBytes: 100_000_000,
      maxHeaderEntries: 65_536,
      maxHeaderValues: 2 ** 20,
      maxNameBytes: 1024,
    });
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  });

  it('a forward whose activations exceed the limits is refused before anything is uploaded', () => {
    const be = createReferenceBackend();
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 16 })], { limits: { maxCallBytes: 10_000 } }).to(be);
    const live = be.liveTensors();
    const e = thrown(() => m.forward({ data: new Float32Array(2 * 50 * 2), shape: [2, 50, 2] }, { training: true }));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.message).toMatch(
      /^input: expected at most 10000 bytes of activations in one training forward \(limits\.maxCallBytes\), got \d+; estimated for T = 50, B = 2/,
    );
    expect(be.liveTensors()).toBe(live);
    m.forward({ data: new Float32Array(2 * 2 * 2), shape: [2, 2, 2] }).dispose(); // a small one runs
    const big = sequential([lstm({ inputSize: 1, hiddenSize: 8 })], { limits: { maxTensorElements: 1000 } }).to(be);
    expect(thrown(() => big.forward({ data: new Float32Array(100), shape: [1, 100, 1] })).message).toContain('limits.maxTensorElements');
    expect(be.liveTensors()).toBe(live + 4);
  });

  it('a backend refuses a tensor over its maxTensorBytes before allocating (LIMIT_EXCEEDED), and defineBackend checks the value', () => {
    const tiny = defineBackend({
      name: 'tiny',
      context: {},
      memory: referenceMemory,
      kernels: referenceKernels,
      info: () => ({ engine: 'tiny' }),
      limits: { maxTensorBytes: 64 },
    });
    expect(thrown(() => tiny.zeros([17])).message).toBe(
      "zeros: shape: expected a result of at most 64 bytes (the tiny backend's maxTensorBytes), got 68 bytes ([17])",
    );
    tiny.dispose(tiny.zeros([16]));
    expect(tiny.liveTensors()).toBe(0);
    expect(
      thrown(() =>
        defineBackend({
          name: 'x',
          context: {},
          memory: referenceMemory,
          kernels: referenceKernels,
          info: () => ({ engine: 'x' }),
          limits: { maxTensorBytes: Number.NaN },
        }),
      ).code,
    ).toBe('INVALID_ARGUMENT');
  });
});
