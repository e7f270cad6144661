/**
 * Issue #14, core's findings: each numbered finding has a test here that failed before the fix.
 * The generic promises (the non-finite guard, a fault at every call, dispose order, BUSY, backend
 * limits) also run on every backend through the kit's `reliability` part (test/backend_kit.test.ts
 * runs them on the reference backend).
 */
import { describe, expect, it } from 'vitest';
import { defineBackend } from '../src/backend/index.js';
import type { Backend } from '../src/index.js';
import {
  adam,
  embedding,
  fit,
  fitTruncated,
  gru,
  lastStep,
  linear,
  loadModelBundle,
  loadWeights,
  lstm,
  Model,
  parseSafetensors,
  RnnkitError,
  saveModelBundle,
  saveWeights,
  sequential,
  serializeSafetensors,
  sgd,
  supervised,
  trainStep,
} from '../src/index.js';
import { createReferenceBackend, referenceKernels, referenceMemory } from '../src/testing/index.js';
import { rejected, thrown } from './helpers.js';

/** A safetensors file from raw header text and data bytes (so hostile headers can be written). */
function rawFile(header: string, dataBytes = 0): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

function bitsOf(s: Map<string, Float32Array>): number[][] {
  return [...s.values()].map((v) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length)));
}

describe('#14.4: failed calls leak nothing', () => {
  it('a disposed h0, an h0 of another instance, a non-integer T: the right error and no live tensor left', () => {
    const be = createReferenceBackend();
    const other = createReferenceBackend();
    const m = sequential([gru({ inputSize: 2, hiddenSize: 3 })]).to(be);
    const x = { data: new Float32Array(2 * 4 * 2), shape: [2, 4, 2] };
    const live = be.liveTensors();
    const h0 = be.zeros([1, 2, 3]);
    be.dispose(h0);
    expect(thrown(() => m.forward(x, { h0 })).code).toBe('DISPOSED');
    expect(be.liveTensors()).toBe(live);
    const foreign = other.zeros([1, 2, 3]);
    expect(thrown(() => m.forward(x, { h0: foreign })).code).toBe('BACKEND_MISMATCH');
    expect(be.liveTensors()).toBe(live);
    expect(other.liveTensors()).toBe(1);
    expect(thrown(() => m.forward({ data: new Float32Array(16), shape: [2, 3.5, 2] })).code).toBe('SHAPE_MISMATCH');
    expect(thrown(() => m.forward({ data: new Float32Array(0), shape: [2, 0, 2] })).code).toBe('SHAPE_MISMATCH');
    expect(be.liveTensors()).toBe(live);
  });

  it('toAsync with a parameter too large for the target backend: the model stays where it was, nothing is left on the target', async () => {
    const be = createReferenceBackend();
    const tiny = defineBackend({
      name: 'tiny',
      context: {},
      memory: referenceMemory,
      kernels: referenceKernels,
      info: () => ({ engine: 'tiny' }),
      limits: { maxTensorBytes: 200 },
    });
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 6 }), linear({ outFeatures: 1 })], { seed: 2 }).to(be);
    const before = await m.stateDict();
    const e = await rejected(() => m.toAsync(tiny));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(tiny.liveTensors()).toBe(0);
    expect(m.backend).toBe(be);
    expect(be.liveTensors()).toBe(6);
    expect(bitsOf(await m.stateDict())).toEqual(bitsOf(before));
    // And to() from the host, the same.
    const h = sequential([lstm({ inputSize: 2, hiddenSize: 6 })]);
    expect(thrown(() => h.to(tiny)).code).toBe('LIMIT_EXCEEDED');
    expect(tiny.liveTensors()).toBe(0);
    expect(thrown(() => h.parameters()).message).toContain('not on a backend yet');
  });

  it('Seq2Seq.to is all or nothing as well', async () => {
    const { Seq2Seq } = await import('../src/index.js');
    // The encoder fits (its largest tensor is 192 bytes), the decoder's embedding [20, 3] doesn't.
    const s = Seq2Seq.create({ cell: 'gru', srcVocab: 5, tgtVocab: 20, embeddingDim: 3, hiddenSize: 4, bos: 0, eos: 1 });
    const tiny = defineBackend({
      name: 'tiny',
      context: {},
      memory: referenceMemory,
      kernels: referenceKernels,
      info: () => ({ engine: 'tiny' }),
      limits: { maxTensorBytes: 200 },
    });
    expect(thrown(() => s.to(tiny)).code).toBe('LIMIT_EXCEEDED');
    expect(tiny.liveTensors()).toBe(0);
    expect(thrown(() => s.encoder.parameters()).message).toContain('not on a backend yet');
  });
});

describe('#14.5: dispose order', () => {
  it('disposing a model before its optimizer leaks no optimizer state', async () => {
    const be = createReferenceBackend();
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3 }), lastStep(), linear({ outFeatures: 1 })]).to(be);
    const o = adam({ lr: 0.01 });
    await fit(
      m,
      { x: { data: new Float32Array(2 * 3 * 2).fill(0.5), shape: [2, 3, 2] }, y: { data: new Float32Array(2), shape: [2, 1] } },
      { loss: 'mse', optimizer: o },
    );
    expect(be.liveTensors()).toBe(6 * 3); // parameters, Adam's m and v
    m.dispose();
    o.dispose();
    expect(be.liveTensors()).toBe(0);
  });
});

describe('#14.6: fit checks everything, validation data included, before the first step', () => {
  const data = { x: { data: new Float32Array(4 * 3 * 2).fill(0.5), shape: [4, 3, 2] }, y: { data: new Float32Array(4), shape: [4, 1] } };
  for (const [name, validation] of [
    [
      'a validation set with the wrong feature count',
      { x: { data: new Float32Array(4 * 3 * 5), shape: [4, 3, 5] }, y: { data: new Float32Array(4), shape: [4, 1] } },
    ],
    ['a validation set with T = 0', { x: { data: new Float32Array(0), shape: [4, 0, 2] }, y: { data: new Float32Array(4), shape: [4, 1] } }],
    ['a validation set with wrong targets', { x: { data: new Float32Array(4 * 3 * 2), shape: [4, 3, 2] }, y: { data: new Float32Array(8), shape: [4, 2] } }],
  ] as const) {
    it(`${name}: SHAPE_MISMATCH naming validation, and the model and optimizer unchanged`, async () => {
      const be = createReferenceBackend();
      const m = sequential([lstm({ inputSize: 2, hiddenSize: 3 }), lastStep(), linear({ outFeatures: 1 })]).to(be);
      const before = await m.stateDict();
      const o = sgd({ lr: 0.1, momentum: 0.9 });
      const e = await rejected(() => fit(m, data, { loss: 'mse', optimizer: o, validation: validation as never }));
      expect(e.code).toBe('SHAPE_MISMATCH');
      expect(e.argument).toMatch(/^validation\./);
      expect(o.stepCount).toBe(0);
      expect(bitsOf(await m.stateDict())).toEqual(bitsOf(before));
      expect(be.liveTensors()).toBe(6);
    });
  }

  it('every option is checked first: NaN, wrong types, unknown nonFinite, bad callbacks', async () => {
    const be = createReferenceBackend();
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3 }), lastStep(), linear({ outFeatures: 1 })]).to(be);
    const o = sgd({ lr: 0.1 });
    for (const [opts, argument] of [
      [{ epochs: Number.NaN }, 'epochs'],
      [{ batchSize: 0 }, 'batchSize'],
      [{ maxNorm: Number.NaN }, 'maxNorm'],
      [{ shuffle: 'yes' }, 'shuffle'],
      [{ seed: 1.5 }, 'seed'],
      [{ nonFinite: 'ignore' }, 'nonFinite'],
      [{ callbacks: { onStepEnd: 3 } }, 'callbacks.onStepEnd'],
      [{ earlyStopping: { patience: 1, minDelta: Number.NaN } }, 'earlyStopping.minDelta'],
      [{ earlyStopping: { patience: 1, mode: 'up' } }, 'earlyStopping.mode'],
      [{ metrics: 'accuracy' }, 'metrics'],
    ] as const) {
      const e = await rejected(() => fit(m, data, { loss: 'mse', optimizer: o, ...(opts as object) }));
      expect(e.code, argument).toBe('INVALID_ARGUMENT');
      expect(e.argument, JSON.stringify(opts)).toBe(argument);
    }
    expect(o.stepCount).toBe(0);
  });
});

describe('#14.7: non-finite values', () => {
  it('loadWeights refuses NaN and Infinity (NON_FINITE, the model unchanged) unless allowNonFinite', async () => {
    const m = sequential([gru({ inputSize: 2, hiddenSize: 2 })], { seed: 1 });
    const before = await m.stateDict();
    const state = await m.stateDict();
    state.get('0.bias_hh_l0')![3] = Number.POSITIVE_INFINITY;
    const w = serializeSafetensors(
      new Map([...state].map(([k, v]) => [k, { shape: m.parameterInfo().find((p) => p.name === k)!.shape as number[], data: v }])),
    );
    const e = thrown(() => loadWeights(m, w));
    expect(e.code).toBe('NON_FINITE');
    expect(e.message).toBe('weights["0.bias_hh_l0"]: expected finite values, got Infinity at flat index 3 (pass allowNonFinite: true to load it anyway)');
    expect(bitsOf(await m.stateDict())).toEqual(bitsOf(before));
    loadWeights(m, w, { allowNonFinite: true });
    expect((await m.stateDict()).get('0.bias_hh_l0')![3]).toBe(Number.POSITIVE_INFINITY);
    expect(thrown(() => loadWeights(m, w, { allowNonFinite: 'yes' as never })).code).toBe('INVALID_ARGUMENT');
  });

  it('trainStep and fitTruncated stop on a non-finite loss too, before the update', async () => {
    const be = createReferenceBackend();
    const m = sequential([lstm({ inputSize: 1, hiddenSize: 3 }), linear({ outFeatures: 1 })], { seed: 2 }).to(be);
    const before = await m.stateDict();
    const o = adam({ lr: 0.1 });
    const y = new Float32Array(2 * 4).fill(0.5);
    y[6] = Number.NaN; // sample 1, step 2: the second chunk of k = 2
    const batch = { x: { data: new Float32Array(8).fill(0.3), shape: [2, 4, 1] }, y: { data: y, shape: [2, 4, 1] }, size: 2 };
    const e = await rejected(() => trainStep(supervised(m, 'mse'), batch, { optimizer: o }));
    expect(e.code).toBe('TRAINING_DIVERGED');
    expect(e.message).toMatch(/^trainStep: expected a finite loss and gradient norm, got loss NaN and gradient norm NaN; the step was not applied/);
    const skipped = await trainStep(supervised(m, 'mse'), batch, { optimizer: o, nonFinite: 'skip' });
    expect(skipped.skipped).toBe(true);
    const e2 = await rejected(() => fitTruncated(m, { x: batch.x, y: batch.y }, { k: 2, loss: 'mse', optimizer: o }));
    expect(e2.code).toBe('TRAINING_DIVERGED');
    expect(e2.message).toContain('fitTruncated: epoch 0, chunk 1 (steps 2..3)');
    expect(o.stepCount).toBe(1); // chunk 0 was finite and applied
    const h = await fitTruncated(m, { x: batch.x, y: batch.y }, { k: 2, loss: 'mse', optimizer: o, nonFinite: 'skip' });
    expect(h.skippedSteps).toBe(1);
    expect(bitsOf(await m.stateDict())).not.toEqual(bitsOf(before));
    expect([...(await m.stateDict()).values()].every((v) => v.every(Number.isFinite))).toBe(true);
  });
});

describe('#14.8: one training call per model at a time', () => {
  it('a second fit, a toAsync, a loadStateDict or a dispose during fit is BUSY; afterwards the model is free', async () => {
    const be = createReferenceBackend();
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3 }), lastStep(), linear({ outFeatures: 1 })]).to(be);
    const data = { x: { data: new Float32Array(8 * 3 * 2).fill(0.2), shape: [8, 3, 2] }, y: { data: new Float32Array(8), shape: [8, 1] } };
    const running = fit(m, data, { loss: 'mse', optimizer: sgd({ lr: 0.1 }), batchSize: 2, epochs: 2 });
    const second = await rejected(() => fit(m, data, { loss: 'mse', optimizer: sgd({ lr: 0.1 }) }));
    expect(second.code).toBe('BUSY');
    expect(second.message).toBe(
      "model: fit can't start: the model is already in fit; await it first (two training calls on one model would interleave their steps)",
    );
    expect((await rejected(() => m.toAsync(createReferenceBackend()))).code).toBe('BUSY');
    expect(thrown(() => m.dispose()).code).toBe('BUSY');
    expect(thrown(() => loadWeights(m, new Uint8Array(8))).code).toBe('BUSY');
    await running;
    m.dispose();
    expect(be.liveTensors()).toBe(0);
  });
});

describe('#14.9: the right codes, and only RnnkitError', () => {
  it('a disposed model says DISPOSED everywhere, not "not on a backend yet"', async () => {
    const be = createReferenceBackend();
    const m = sequential([gru({ inputSize: 2, hiddenSize: 2 })]).to(be);
    m.dispose();
    for (const f of [
      () => m.backend,
      () => m.parameters(),
      () => m.forward({ data: new Float32Array(4), shape: [1, 2, 2] }),
      () => m.to(be),
      () => m.loadStateDict(new Map()),
    ]) {
      const e = thrown(f);
      expect(e.code).toBe('DISPOSED');
      expect(e.message).toMatch(/^model: \w+: the model was disposed; build or load a new one$/);
    }
    expect((await rejected(() => m.stateDict())).code).toBe('DISPOSED');
    expect((await rejected(() => saveWeights(m))).code).toBe('DISPOSED');
    expect(thrown(() => loadWeights(m, new Uint8Array(8))).code).toBe('DISPOSED');
    m.dispose(); // twice is fine
  });

  it('bad arguments are INVALID_ARGUMENT naming them, never TypeError or RangeError', async () => {
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3 })]);
    const w = await saveWeights(m);
    const cases: [string, () => unknown, string, string][] = [
      [
        'parseSafetensors maxHeaderBytes NaN',
        () => parseSafetensors(w, { maxHeaderBytes: Number.NaN }),
        'INVALID_ARGUMENT',
        'options.maxHeaderBytes: expected a positive integer or Infinity, got NaN',
      ],
      ['parseSafetensors options null', () => parseSafetensors(w, null as never), 'INVALID_ARGUMENT', 'options: expected an options object'],
      ['loadWeights(null, b)', () => loadWeights(null as never, w), 'INVALID_ARGUMENT', 'model: expected a Model, got null'],
      ['sequential(null)', () => sequential(null as never), 'INVALID_ARGUMENT', 'layers: expected an array of layers'],
      ['lstm(null)', () => lstm(null as never), 'INVALID_ARGUMENT', 'lstm: options: expected an object, got null'],
      ['sequential([null])', () => sequential([null as never]), 'INVALID_SPEC', 'spec.layers[0]: expected a layer object'],
      [
        'a string prefixes',
        () => loadWeights(m, w, { prefixes: 'rnn.' as never }),
        'INVALID_ARGUMENT',
        'prefixes: expected an object of file prefix → model prefix strings',
      ],
      [
        'a non-string prefix target',
        () => loadWeights(m, w, { prefixes: { 'rnn.': 0 as never } }),
        'INVALID_ARGUMENT',
        'prefixes["rnn."]: expected a string, got 0',
      ],
      ['new Model with params not a Map', () => new Model(m.spec, {} as never), 'INVALID_ARGUMENT', 'params: expected a Map'],
    ];
    for (const [name, f, code, message] of cases) {
      const e = thrown(f);
      expect(e.code, name).toBe(code);
      expect(e.message, name).toContain(message);
    }
  });

  it('BigInt or string token ids and a NaN maxSequenceLength are INVALID_ARGUMENT (the limit stays)', () => {
    const be = createReferenceBackend();
    const m = sequential([embedding({ numEmbeddings: 5, embeddingDim: 2 }), gru({ hiddenSize: 2 })]).to(be);
    expect(thrown(() => m.forward({ ids: [1n, 2n] as never, shape: [1, 2] })).message).toBe(
      'input.ids[0]: expected an integer id in 0..4 (a number), got 1n (a BigInt)',
    );
    expect(thrown(() => m.forward({ ids: ['1', 2] as never, shape: [1, 2] })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => m.forward({ ids: 'ab' as never, shape: [1, 2] })).code).toBe('INVALID_ARGUMENT');
    const f = sequential([gru({ inputSize: 1, hiddenSize: 2 })]).to(be);
    const x = { data: new Float32Array(5), shape: [1, 5, 1] };
    for (const v of [Number.NaN, 0, -3, 2.5, '10']) {
      const e = thrown(() => f.forward(x, { maxSequenceLength: v as never }));
      expect(e.code, String(v)).toBe('INVALID_ARGUMENT');
      expect(e.argument).toBe('maxSequenceLength');
    }
    expect(thrown(() => f.forward(x, { maxSequenceLength: 4 })).code).toBe('SHAPE_MISMATCH');
    f.forward(x, { maxSequenceLength: Number.POSITIVE_INFINITY }).dispose();
    expect(thrown(() => f.forward(x, { training: 1 as never })).argument).toBe('training');
    expect(be.liveTensors()).toBe(5 + 4);
  });

  it('safetensors: duplicate keys refused; a million empty tensors and a 50 MB name refused at the limit with a bounded message', () => {
    const dup = rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4);
    expect(thrown(() => parseSafetensors(dup)).message).toBe(
      'bytes: header has the key "w" twice in one object: a duplicate entry would silently replace the first',
    );
    const dupInside = rawFile('{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}', 4);
    expect(thrown(() => parseSafetensors(dupInside)).message).toContain('the key "dtype" twice');
    const dupMeta = rawFile('{"__metadata__":{"a":"1","a":"2"}}');
    expect(thrown(() => parseSafetensors(dupMeta)).code).toBe('INVALID_FILE');

    const entries: string[] = [];
    for (let i = 0; i < 1_000_000; i++) entries.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const million = rawFile(`{${entries.join(',')}}`);
    const a = thrown(() => parseSafetensors(million));
    expect(a.code).toBe('LIMIT_EXCEEDED');
    expect(a.message).toMatch(/^bytes: expected at most 65536 entries in the header \(tensors and metadata keys\) \(limits\.maxHeaderEntries\)/);
    const values = thrown(() => parseSafetensors(million, { limits: { maxHeaderEntries: Number.POSITIVE_INFINITY } }));
    expect(values.message).toContain('limits.maxHeaderValues');

    const name = 'n'.repeat(50_000_000);
    const huge = rawFile(`{"${name}":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4);
    const b = thrown(() => parseSafetensors(huge));
    expect(b.code).toBe('LIMIT_EXCEEDED');
    expect(b.message.length).toBeLessThan(400);
    // Allowed by the caller, the name still never lands in a message whole.
    const m = sequential([gru({ inputSize: 1, hiddenSize: 1 })]);
    const c = thrown(() => loadWeights(m, huge, { limits: { maxNameBytes: Number.POSITIVE_INFINITY } }));
    expect(c.code).toBe('INVALID_FILE');
    expect(c.message.length).toBeLessThan(1000);
    expect(c.message).toContain('… (50000000 chars)');
  });

  it('a header larger than maxHeaderBytes but inside the file is LIMIT_EXCEEDED; the metadata key "__proto__" stays a key', () => {
    const f = rawFile('{"__metadata__":{"__proto__":"x"}}');
    expect(Object.keys(parseSafetensors(f).metadata)).toEqual(['__proto__']);
    expect(thrown(() => parseSafetensors(f, { limits: { maxHeaderBytes: 8 } })).code).toBe('LIMIT_EXCEEDED');
    expect(thrown(() => parseSafetensors(rawFile(`{"a":${'['.repeat(20)}${']'.repeat(20)}}`))).message).toContain('nests deeper than');
  });

  it('bundles over a caller limit, and their files, are LIMIT_EXCEEDED with nothing made', async () => {
    const m = sequential([gru({ inputSize: 3, hiddenSize: 4 })]);
    const b = await saveModelBundle(m);
    expect(thrown(() => loadModelBundle(b, { limits: { maxHeaderEntries: 2 } })).code).toBe('LIMIT_EXCEEDED');
    expect(thrown(() => loadModelBundle(b, { limits: { maxParameters: 10 } })).code).toBe('LIMIT_EXCEEDED');
    expect(loadModelBundle(b).parameterInfo()).toHaveLength(4);
  });

  it('a backend failure that is not an RnnkitError reaches the caller as BACKEND_FAILURE', async () => {
    const be = createReferenceBackend();
    const broken: Backend = new Proxy(be, {
      get(t, p, r) {
        const v = Reflect.get(t, p, r);
        if (p === 'matmul')
          return () => {
            throw new RangeError('Array buffer allocation failed');
          };
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3 }), linear({ outFeatures: 1 })]).to(broken);
    const e = thrown(() => m.forward({ data: new Float32Array(4), shape: [1, 2, 2] }));
    expect(e.code).toBe('BACKEND_FAILURE');
    expect(e.message).toBe('forward: the backend failed (RangeError: Array buffer allocation failed)');
    expect(e.cause).toBeInstanceOf(RangeError);
    expect(be.liveTensors()).toBe(6);
  });
});

describe('#14.4, task APIs: a fault at any backend call leaves nothing behind', () => {
  it('stream.push, generateTokens, predictClasses, tagSequences and Seq2Seq.greedy under a fault at every call', async () => {
    const { failingAt } = await import('../src/testing/kit/fault_injection.js');
    const { stream, generateTokens, predictClasses, tagSequences, Seq2Seq, oneToMany, manyToOne, manyToMany } = await import('../src/index.js');
    const be = createReferenceBackend();
    const x = { data: new Float32Array(2 * 3 * 2).fill(0.4), shape: [2, 3, 2] };
    const lm = () => oneToMany({ cell: 'lstm', vocabSize: 6, embeddingDim: 3, hiddenSize: 4 });
    // Each runs on a fresh model (moved to the failing backend) and returns the models to dispose.
    const calls: [string, (fb: Backend, made: Model[]) => Promise<unknown>][] = [
      [
        'stream.push',
        async (fb, made) => {
          const m = lm();
          made.push(m);
          m.to(fb);
          const st = stream(m);
          try {
            await st.push({ ids: [1, 2], shape: [1, 2] });
            const before = st.position;
            try {
              await st.push({ ids: [3], shape: [1, 1] });
            } catch (e) {
              expect(st.position).toBe(before); // a failed chunk leaves the stream where it was
              throw e;
            }
          } finally {
            st.dispose();
          }
        },
      ],
      [
        'generateTokens',
        async (fb, made) => {
          const m = lm();
          made.push(m);
          return generateTokens(m.to(fb), { prompt: [1, 2], maxLength: 3 });
        },
      ],
      [
        'predictClasses',
        async (fb, made) => {
          const m = manyToOne({ cell: 'gru', inputSize: 2, hiddenSize: 3, outputSize: 3 });
          made.push(m);
          return predictClasses(m.to(fb), x);
        },
      ],
      [
        'tagSequences',
        async (fb, made) => {
          const m = manyToMany({ cell: 'rnn_tanh', inputSize: 2, hiddenSize: 3, outputSize: 4 });
          made.push(m);
          return tagSequences(m.to(fb), x);
        },
      ],
      [
        'Seq2Seq.greedy',
        async (fb, made) => {
          const s = Seq2Seq.create({ cell: 'gru', srcVocab: 5, tgtVocab: 6, embeddingDim: 3, hiddenSize: 4, bos: 0, eos: 1 });
          made.push(s.encoder, s.decoder);
          return s.to(fb).greedy({ ids: [2, 3, 4, 2], shape: [2, 2] }, { maxLength: 3 });
        },
      ],
    ];
    for (const [name, run] of calls) {
      let tried = 0;
      for (let k = 1; k < 2000; k++) {
        const fb = failingAt(be, { left: k });
        const made: Model[] = [];
        let failed = false;
        try {
          await run(fb, made);
        } catch (e) {
          expect(e instanceof RnnkitError && e.message.includes('injected fault'), `${name}, fault at call ${k}: ${String(e)}`).toBe(true);
          failed = true;
        }
        for (const m of made) m.dispose();
        expect(be.liveTensors(), `${name}, fault at call ${k}`).toBe(0);
        if (!failed) break;
        tried++;
      }
      expect(tried, name).toBeGreaterThan(3);
    }
  });
});

describe("the kit's reliability part counts the engine's own resources too", () => {
  it('a backend whose engine keeps a resource per zeros() call fails the case, naming the leak', async () => {
    const { reliabilityCases } = await import('../src/testing/index.js');
    let kept = 0;
    const leaky = defineBackend({
      name: 'leaky',
      context: {},
      memory: {
        ...referenceMemory,
        zeros: (ctx, shape) => {
          kept++; // an engine resource that dispose never gives back
          return referenceMemory.zeros(ctx, shape);
        },
      },
      kernels: referenceKernels,
      info: () => ({ engine: 'leaky' }),
    });
    const cases = reliabilityCases({ resources: () => kept });
    const oversized = cases.find((c) => c.name.startsWith('oversized requests'))!;
    await expect(oversized.run(leaky)).rejects.toThrow(/0 tensors and 1 engine resources leaked/);
    // Without the counter the same case passes: the tensors themselves were all disposed.
    await reliabilityCases()
      .find((c) => c.name.startsWith('oversized requests'))!
      .run(leaky);
  });
});

describe('no silent aliasing', () => {
  it("new Model(spec, params) keeps its own copy: changing the caller's arrays later changes nothing", async () => {
    const m = sequential([gru({ inputSize: 2, hiddenSize: 2 })], { seed: 3 });
    const params = await m.stateDict();
    const copy = new Model(m.spec, params);
    const before = bitsOf(await copy.stateDict());
    for (const v of params.values()) v.fill(Number.NaN);
    expect(bitsOf(await copy.stateDict())).toEqual(before);
  });
});
