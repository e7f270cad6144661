/**
 * Hostile input is normal input: valid safetensors files and model specs, mutated at random
 * (bytes, the header length, sizes, offsets, keys, dtypes, spec fields), must either load
 * correctly or fail with an RnnkitError of a file/spec/limit code — never another error, never a
 * crash, never a changed model. Run under a heap cap by test/properties.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src/index.js';
import {
  embedding,
  gru,
  lastStep,
  linear,
  loadModel,
  loadModelBundle,
  loadWeights,
  lstm,
  Model,
  parseSafetensors,
  RnnkitError,
  rnn,
  safetensorsToFloat32,
  saveModelBundle,
  saveWeights,
  sequential,
} from '../../src/index.js';

const FILE_CODES = new Set(['INVALID_FILE', 'LIMIT_EXCEEDED', 'NON_FINITE', 'INVALID_SPEC', 'UNKNOWN_CELL']);
/** Tight limits for the fuzzing: a mutated spec within them is cheap to build. */
const LIMITS = { maxParameters: 200_000, maxTensorElements: 100_000 };
const RUNS = Number(process.env.RNNKIT_PROPERTY_RUNS ?? 300);

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function sameState(a: Map<string, Float32Array>, b: Map<string, Float32Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.length !== v.length) return false;
    const x = bits(v);
    const y = bits(w);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/** The outcome must be an RnnkitError with a file/spec/limit code, and a short message. */
function expectFileError(e: unknown, what: string): void {
  if (!(e instanceof RnnkitError)) throw new Error(`${what}: expected an RnnkitError, got ${String(e)}`);
  if (!FILE_CODES.has(e.code)) throw new Error(`${what}: expected a file, spec or limit code, got ${e.code}: ${e.message}`);
  if (e.message.length > 4000) throw new Error(`${what}: a ${e.message.length}-character message`);
}

const model = sequential([lstm({ inputSize: 3, hiddenSize: 4, bidirectional: true }), lastStep(), linear({ outFeatures: 2 })], { seed: 3 });
const header = (b: Uint8Array) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));

/** A mutation of a file's bytes. */
const byteMutation = (size: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(size - 1), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 4096n })) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(size) }),
    fc.record({ kind: fc.constant('append' as const), value: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  );

type ByteMutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'length'; value: bigint }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; value: Uint8Array };

function mutateBytes(b: Uint8Array, ms: ByteMutation[]): Uint8Array {
  let out = b.slice();
  for (const m of ms) {
    if (m.kind === 'flip' && m.at < out.length) out[m.at] = m.value;
    else if (m.kind === 'length' && out.length >= 8) new DataView(out.buffer).setBigUint64(0, m.value, true);
    else if (m.kind === 'truncate') out = out.slice(0, m.at);
    else if (m.kind === 'append') {
      const n = new Uint8Array(out.length + m.value.length);
      n.set(out);
      n.set(m.value, out.length);
      out = n;
    }
  }
  return out;
}

/** A hostile JSON value for a header or spec field. */
const hostile = fc.oneof(
  fc.integer({ min: -3, max: 70 }),
  fc.constantFrom(1e9, 2 ** 31, 2 ** 32 + 1, 1e18, 2 ** 53, -1, 0, 0.5, Number.MAX_SAFE_INTEGER),
  fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I32', 'U8', 'BOOL', '', '__metadata__', 'lstm', 'gru', 'recurrent', 'linear'),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer({ min: -2, max: 1e6 }), { maxLength: 5 }),
  fc.string({ maxLength: 12 }),
);

/** A mutation of the header's JSON: a field of an entry replaced, an entry renamed, copied or removed. */
const headerMutation = fc.record({
  entry: fc.nat(),
  op: fc.constantFrom('dtype', 'shape', 'dim', 'offsets', 'offset', 'rename', 'delete', 'add', 'duplicate', 'metadata'),
  value: hostile,
  name: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('0.weight_ih_l0', 'weight_ih_l0', '__metadata__', '2.bias')),
  index: fc.nat(3),
});

/** Rewrites a safetensors header (as JSON text, so duplicates can be written) and keeps the data bytes. */
function mutateHeader(b: Uint8Array, m: { entry: number; op: string; value: unknown; name: string; index: number }): Uint8Array {
  const n = header(b);
  // biome-ignore lint/suspicious/noExplicitAny: a header being mutated field by field, whatever it holds
  const json = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))) as Record<string, any>;
  const names = Object.keys(json).filter((k) => k !== '__metadata__');
  const key = names.length ? names[m.entry % names.length] : m.name;
  // Earlier mutations may have left a non-object entry, or none: mutate a stand-in then.
  const e = json[key] !== null && typeof json[key] === 'object' && !Array.isArray(json[key]) ? json[key] : {};
  let extra = '';
  switch (m.op) {
    case 'dtype':
      e.dtype = m.value;
      break;
    case 'shape':
      e.shape = m.value;
      break;
    case 'dim':
      if (Array.isArray(e.shape) && e.shape.length) e.shape[m.index % e.shape.length] = m.value;
      break;
    case 'offsets':
      e.data_offsets = m.value;
      break;
    case 'offset':
      if (Array.isArray(e.data_offsets)) e.data_offsets[m.index % 2] = m.value;
      break;
    case 'rename':
      json[m.name] = e;
      delete json[key];
      break;
    case 'delete':
      delete json[key];
      break;
    case 'add':
      json[m.name] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
      break;
    case 'duplicate':
      extra = `,${JSON.stringify(key)}:${JSON.stringify(e)}`;
      break;
    case 'metadata':
      json.__metadata__ = typeof m.value === 'object' && m.value !== null ? m.value : { [m.name]: m.value };
      break;
  }
  let text = JSON.stringify(json);
  if (extra) text = `${text.slice(0, -1)}${extra}}`;
  const h = new TextEncoder().encode(text);
  const data = b.subarray(8 + n);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('mutated safetensors files: a correct load or a file/limit error, nothing changed', async () => {
  const weights = await saveWeights(model);
  const bundle = await saveModelBundle(model);
  const original = await model.stateDict();

  /** loadWeights into a fresh copy of the model: on success the parameters are the file's; on failure untouched. */
  async function checkLoadWeights(bytes: Uint8Array): Promise<void> {
    const target = new Model(model.spec, original);
    try {
      loadWeights(target, bytes, { limits: LIMITS });
    } catch (e) {
      expectFileError(e, 'loadWeights');
      if (!sameState(await target.stateDict(), original)) throw new Error('a failed loadWeights changed the model');
      return;
    }
    // A load that succeeded holds exactly the file's tensors.
    const file = parseSafetensors(bytes);
    for (const [k, v] of await target.stateDict()) {
      const t = file.tensors.get(k);
      if (!t) throw new Error(`loaded ${k}, which the file does not hold`);
      if (!sameState(new Map([[k, v]]), new Map([[k, safetensorsToFloat32(t)]]))) throw new Error(`${k}: loaded values differ from the file's`);
    }
  }

  it('byte-level mutations (flipped bytes, header length, truncation, trailing bytes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(byteMutation(weights.length), { minLength: 1, maxLength: 4 }),
        fc.array(byteMutation(bundle.length), { minLength: 1, maxLength: 4 }),
        async (mw, mb) => {
          await checkLoadWeights(mutateBytes(weights, mw as ByteMutation[]));
          try {
            const m = loadModelBundle(mutateBytes(bundle, mb as ByteMutation[]), { limits: LIMITS });
            expect(m.parameterInfo().length).toBeGreaterThan(0);
          } catch (e) {
            expectFileError(e, 'loadModelBundle');
          }
        },
      ),
      { numRuns: RUNS, seed: 1414 },
    );
  });

  it('header mutations (dtypes, shapes, offsets, names, duplicates, metadata)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(headerMutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        let w = weights;
        let b = bundle;
        for (const m of ms) {
          w = mutateHeader(w, m);
          b = mutateHeader(b, m);
        }
        await checkLoadWeights(w);
        try {
          loadModelBundle(b, { limits: LIMITS });
        } catch (e) {
          expectFileError(e, 'loadModelBundle');
        }
      }),
      { numRuns: RUNS, seed: 1415 },
    );
  });
});

describe('mutated specs: a model within the limits or INVALID_SPEC / UNKNOWN_CELL / LIMIT_EXCEEDED', () => {
  const base = [
    sequential([lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true }), lastStep(), linear({ outFeatures: 2 })]).spec,
    sequential([embedding({ numEmbeddings: 7, embeddingDim: 3 }), gru({ hiddenSize: 5 }), linear({ outFeatures: 7 })]).spec,
    sequential([rnn({ inputSize: 2, hiddenSize: 3, nonlinearity: 'relu' }), linear({ outFeatures: 1 })]).spec,
  ];
  const field = fc.constantFrom(
    'inputSize',
    'hiddenSize',
    'numLayers',
    'bidirectional',
    'dropout',
    'batchFirst',
    'bias',
    'gruResetAfter',
    'cell',
    'type',
    'numEmbeddings',
    'embeddingDim',
    'inFeatures',
    'outFeatures',
    'steps',
  );

  it('field replacements in specs, through new Model and through loadModel', () => {
    fc.assert(
      fc.property(
        fc.nat(2),
        fc.array(fc.record({ layer: fc.nat(), field, value: hostile }), { minLength: 1, maxLength: 4 }),
        fc.oneof(fc.constant(undefined), hostile),
        (which, edits, seed) => {
          const spec = structuredClone(base[which]) as ModelSpec & { layers: Record<string, unknown>[] };
          for (const e of edits) (spec.layers[e.layer % spec.layers.length] as Record<string, unknown>)[e.field] = e.value;
          if (seed !== undefined) (spec as unknown as { seed: unknown }).seed = seed;
          let m: Model | undefined;
          try {
            m = new Model(spec, undefined, { limits: LIMITS });
          } catch (e) {
            expectFileError(e, 'new Model');
          }
          if (m) {
            const n = m.parameterInfo().reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
            expect(n).toBeLessThanOrEqual(LIMITS.maxParameters);
          }
          try {
            loadModel(JSON.stringify(spec), new Uint8Array(16), { limits: LIMITS });
            throw new Error('loadModel accepted 16 zero bytes as weights');
          } catch (e) {
            expectFileError(e, 'loadModel');
          }
        },
      ),
      { numRuns: RUNS, seed: 1416 },
    );
  });

  it('default limits refuse absurd sizes within milliseconds', () => {
    fc.assert(
      fc.property(fc.constantFrom('inputSize', 'hiddenSize', 'numLayers'), fc.constantFrom(1e9, 2 ** 40, 1e300), (f, v) => {
        const spec = structuredClone(sequential([lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })]).spec) as ModelSpec & {
          layers: Record<string, unknown>[];
        };
        spec.layers[0][f] = v;
        let err: unknown;
        try {
          new Model(spec);
        } catch (e) {
          err = e;
        }
        expect((err as RnnkitError).code).toBe('LIMIT_EXCEEDED');
      }),
      { numRuns: 12 },
    );
  });
});
