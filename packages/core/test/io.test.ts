import { describe, expect, it } from 'vitest';
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
  rnn,
  SAFETENSORS_MAX_HEADER_BYTES,
  safetensorsToFloat32,
  saveModel,
  saveModelBundle,
  saveWeights,
  sequential,
  serializeSafetensors,
} from '../src/index.js';
import { thrown } from './helpers.js';

/** A file from a header (object or raw JSON text) and data bytes; `headerLength` overrides the u64. */
function craft(header: object | string, data: Uint8Array | number = 0, headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

const smallModel = () => sequential([rnn({ inputSize: 2, hiddenSize: 3 })], { seed: 1 });

describe('safetensors format', () => {
  it('writes the documented layout: u64 LE header length, JSON header padded to 8, data back to back', () => {
    const bytes = serializeSafetensors(
      new Map([
        ['a', { shape: [2], data: Float32Array.from([1.5, -2]) }],
        ['b', { shape: [1, 1], data: Int32Array.from([7]) }],
      ]),
      { note: 'hi' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      __metadata__: { note: 'hi' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'I32', shape: [1, 1], data_offsets: [8, 12] },
    });
    expect(bytes.length).toBe(8 + n + 12);
    expect(new DataView(bytes.buffer).getFloat32(8 + n + 4, true)).toBe(-2);
    const back = parseSafetensors(bytes);
    expect([...back.tensors.keys()]).toEqual(['a', 'b']);
    expect(back.metadata).toEqual({ note: 'hi' });
    expect(Array.from(safetensorsToFloat32(back.tensors.get('a')!))).toEqual([1.5, -2]);
  });

  it('round-trips every dtype byte for byte, zero-size tensors and an empty file', () => {
    const raw = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const tensors = {
      f64: { shape: [1], data: Float64Array.from([Math.PI]) },
      i64: { shape: [1], data: BigInt64Array.from([-5n]) },
      bf16: { dtype: 'BF16' as const, shape: [4], data: raw },
      empty: { shape: [0, 3], data: new Float32Array(0) },
      u8: { shape: [2], data: Uint8Array.from([0, 255]) },
    };
    const file = parseSafetensors(serializeSafetensors(tensors));
    expect(file.tensors.get('f64')!.dtype).toBe('F64');
    expect(new DataView(file.tensors.get('i64')!.data.slice().buffer).getBigInt64(0, true)).toBe(-5n);
    expect(Array.from(file.tensors.get('bf16')!.data)).toEqual(Array.from(raw));
    expect(file.tensors.get('empty')!.shape).toEqual([0, 3]);
    expect(file.tensors.get('u8')!.dtype).toBe('U8');
    expect(parseSafetensors(serializeSafetensors({})).tensors.size).toBe(0);
  });

  it('widens F16 and BF16 exactly and rounds F64 to float32; integer dtypes are refused as weights', () => {
    const f16 = parseSafetensors(
      serializeSafetensors({ h: { dtype: 'F16', shape: [5], data: new Uint8Array(Uint16Array.from([0x3c00, 0xc000, 0x0001, 0x7c00, 0x3555]).buffer) } }),
    );
    expect(Array.from(safetensorsToFloat32(f16.tensors.get('h')!))).toEqual([1, -2, 2 ** -24, Infinity, 0.333251953125]);
    const bf = parseSafetensors(serializeSafetensors({ b: { dtype: 'BF16', shape: [2], data: new Uint8Array(Uint16Array.from([0x3f80, 0xbfc0]).buffer) } }));
    expect(Array.from(safetensorsToFloat32(bf.tensors.get('b')!))).toEqual([1, -1.5]);
    const f64 = parseSafetensors(serializeSafetensors({ d: { shape: [1], data: Float64Array.from([0.1]) } }));
    expect(safetensorsToFloat32(f64.tensors.get('d')!)[0]).toBe(Math.fround(0.1));
    const i32 = parseSafetensors(serializeSafetensors({ i: { shape: [1], data: Int32Array.from([1]) } }));
    const e = thrown(() => safetensorsToFloat32(i32.tensors.get('i')!, 'i'));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/floating-point dtype .* got I32/);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(thrown(() => serializeSafetensors({ a: { shape: [3], data: new Float32Array(2) } })).code).toBe('SHAPE_MISMATCH');
    expect(thrown(() => serializeSafetensors({ a: { dtype: 'F64', shape: [2], data: new Float32Array(2) } })).argument).toBe('tensors["a"].dtype');
    expect(thrown(() => serializeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => serializeSafetensors({}, { n: 1 as unknown as string })).argument).toBe('metadata.n');
  });
});

describe('crafted bad files: INVALID_FILE with what is wrong', () => {
  const good = craft({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 8);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /at least 8 bytes/],
    ['shorter than the length field', good.subarray(0, 5), /at least 8 bytes \(the header length\), got 5/],
    ['truncated data', good.subarray(0, good.length - 3), /run past the end of the data .*truncated/],
    ['truncated header', good.subarray(0, 20), /header length \d+ runs past the end of the file/],
    ['header length past the end', craft({}, 0, 10_000n), /header length 10000 runs past the end/],
    ['oversized header length', craft({}, 0, 1n << 40n), /exceeds the 100000000-byte limit/],
    ['header length of u64 max', craft({}, 0, (1n << 64n) - 1n), /exceeds/],
    ['header not JSON', craft('{"w": [1, 2'), /not valid JSON/],
    ['header not an object', craft('[1]'), /must start with "\{"/],
    ['header JSON null', craft('{}'.replace('{}', 'null')), /must start with "\{"/],
    [
      'header not UTF-8',
      (() => {
        const b = craft('{"\u00e9":1}');
        b[10] = 0xff;
        return b;
      })(),
      /not valid UTF-8/,
    ],
    ['unknown dtype', craft({ w: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }, 8), /unknown dtype "F33"/],
    ['dtype missing', craft({ w: { shape: [2], data_offsets: [0, 8] } }, 8), /unknown dtype undefined/],
    ['negative dim', craft({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /shape must be an array of non-negative integers/],
    ['fractional dim', craft({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 6] } }, 6), /shape must be/],
    ['offsets not a pair', craft({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, 8), /data_offsets must be \[begin, end\]/],
    ['offsets reversed', craft({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, 8), /end before they begin/],
    ['bytes do not match shape', craft({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /hold 8 bytes but F32 \[3\] needs 12/],
    [
      'overlap',
      craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12),
      /overlap the previous tensor/,
    ],
    ['same range twice', craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 8), /overlap/],
    [
      'gap',
      craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, 12),
      /leave a gap: bytes 4..8/,
    ],
    ['gap at the start', craft({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /gap: bytes 0..4/],
    ['trailing bytes', craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 12), /trailing bytes/],
    ['metadata not strings', craft({ __metadata__: { a: 1 } }), /__metadata__ values must be strings/],
    ['metadata not an object', craft({ __metadata__: 'x' }), /__metadata__ must be an object/],
    ['tensor info not an object', craft({ w: 3 }), /expected \{ dtype, shape, data_offsets \}/],
  ];
  for (const [name, bytes, message] of cases) {
    it(name, () => {
      const e = thrown(() => parseSafetensors(bytes));
      expect(e.code).toBe('INVALID_FILE');
      expect(e.message).toMatch(message);
    });
  }

  it('accepts the good file they were made from, and a header padded with spaces', () => {
    expect(parseSafetensors(good).tensors.get('w')!.shape).toEqual([2]);
    expect(parseSafetensors(craft('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}    ', 8)).tensors.size).toBe(1);
  });

  it('takes a smaller header limit and refuses a non-Uint8Array', () => {
    // A header within the file but over the caller's limit is LIMIT_EXCEEDED (issue #14), not a file fault.
    const e = thrown(() => parseSafetensors(good, { maxHeaderBytes: 10 }));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.message).toMatch(/^bytes: expected at most 10 header bytes \(limits\.maxHeaderBytes\), got 54/);
    expect(thrown(() => parseSafetensors([1, 2] as unknown as Uint8Array)).code).toBe('INVALID_ARGUMENT');
    expect(SAFETENSORS_MAX_HEADER_BYTES).toBe(100_000_000);
  });
});

describe('saveModel / loadModel', () => {
  it('round-trips spec and weights bit for bit (NaN payloads, -0, subnormals included)', async () => {
    const m = sequential([lstm({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true }), lastStep(), linear({ outFeatures: 2 })], { seed: 9 });
    const state = await m.stateDict();
    const w = state.get('2.weight')!;
    const u = new Uint32Array(w.buffer, w.byteOffset, w.length);
    u[0] = 0x7fc12345; // quiet NaN with a payload
    u[1] = 0x80000000; // -0
    u[2] = 0x00000001; // smallest subnormal
    u[3] = 0xffa00001; // signalling-pattern NaN, negative
    m.loadStateDict(state);
    const saved = await saveModel(m);
    expect(JSON.parse(saved.spec)).toEqual(m.spec);
    // Non-finite weights are refused unless asked for (issue #14); asked for, they load bit for bit.
    expect(thrown(() => loadModel(saved.spec, saved.weights)).code).toBe('NON_FINITE');
    const back = loadModel(saved.spec, saved.weights, { allowNonFinite: true });
    expect(back).toBeInstanceOf(Model);
    expect(back.spec).toEqual(m.spec);
    const again = await back.stateDict();
    expect([...again.keys()]).toEqual([...state.keys()]);
    for (const [k, v] of state) expect(bits(again.get(k)!), k).toEqual(bits(v));
    expect((await saveModel(back)).weights).toEqual(saved.weights);
  });

  it('writes PyTorch names in state_dict order with format "pt"', async () => {
    const m = sequential([embedding({ numEmbeddings: 5, embeddingDim: 2 }), gru({ hiddenSize: 3 }), linear({ outFeatures: 5 })]);
    const file = parseSafetensors(await saveWeights(m, { metadata: { author: 'test' } }));
    expect([...file.tensors.keys()]).toEqual(['0.weight', '1.weight_ih_l0', '1.weight_hh_l0', '1.bias_ih_l0', '1.bias_hh_l0', '2.weight', '2.bias']);
    expect(file.tensors.get('1.weight_ih_l0')).toMatchObject({ dtype: 'F32', shape: [9, 2] });
    expect(file.metadata).toEqual({ author: 'test', format: 'pt' });
    expect(loadModel(m.spec, await saveWeights(m)).spec).toEqual(m.spec);
  });

  it('single-file bundle: the spec rides in __metadata__', async () => {
    const m = sequential([gru({ inputSize: 3, hiddenSize: 4, bidirectional: true }), linear({ outFeatures: 1 })], { seed: 4 });
    const bytes = await saveModelBundle(m);
    expect(JSON.parse(parseSafetensors(bytes).metadata['rnnkit.spec'])).toEqual(m.spec);
    const back = loadModelBundle(bytes);
    expect(back.spec).toEqual(m.spec);
    for (const [k, v] of await m.stateDict()) expect(bits((await back.stateDict()).get(k)!)).toEqual(bits(v));
    const weightsOnly = await saveWeights(m);
    const e = thrown(() => loadModelBundle(weightsOnly));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/rnnkit.spec/);
    const badSpec = serializeSafetensors({}, { 'rnnkit.spec': '{oops' });
    expect(thrown(() => loadModelBundle(badSpec)).code).toBe('INVALID_SPEC');
  });

  it('a bare nn.RNN/LSTM/GRU state_dict loads into a single-recurrent-layer model; prefixes rename', async () => {
    const m = smallModel();
    const state = await m.stateDict();
    const bare = serializeSafetensors(
      new Map([...state].map(([k, v]) => [k.replace(/^0\./, ''), { shape: m.parameterInfo().find((p) => p.name === k)!.shape, data: v }])),
    );
    const back = loadModel(m.spec, bare);
    for (const [k, v] of state) expect(bits((await back.stateDict()).get(k)!)).toEqual(bits(v));
    const renamed = serializeSafetensors(
      new Map([...state].map(([k, v]) => [k.replace(/^0\./, 'rnn.'), { shape: m.parameterInfo().find((p) => p.name === k)!.shape, data: v }])),
    );
    expect(thrown(() => loadModel(m.spec, renamed)).message).toMatch(/unexpected tensors "rnn.weight_ih_l0"/);
    const viaPrefix = loadModel(m.spec, renamed, { prefixes: { 'rnn.': '0.' } });
    expect(bits((await viaPrefix.stateDict()).get('0.weight_hh_l0')!)).toEqual(bits(state.get('0.weight_hh_l0')!));
  });

  it('bare names need exactly one recurrent layer', async () => {
    const two = sequential([rnn({ inputSize: 2, hiddenSize: 3 }), gru({ hiddenSize: 3 })]);
    const state = await two.stateDict();
    const bare = serializeSafetensors({ weight_ih_l0: { shape: [3, 2], data: state.get('0.weight_ih_l0')! } });
    expect(thrown(() => loadModel(two.spec, bare)).message).toMatch(/unexpected tensor "weight_ih_l0"/);
  });
});

describe('loading bad weights or specs: clear errors, no partial model', () => {
  const spec = smallModel().spec;
  const tensorsOf = async () => {
    const m = smallModel();
    const s = await m.stateDict();
    return new Map(m.parameterInfo().map((p) => [p.name, { shape: [...p.shape], data: s.get(p.name)! as Float32Array | Float64Array | Int32Array }]));
  };

  it('missing tensor', async () => {
    const t = await tensorsOf();
    t.delete('0.bias_hh_l0');
    const e = thrown(() => loadModel(spec, serializeSafetensors(t)));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/missing tensor "0.bias_hh_l0" of shape \[3\]/);
  });

  it('extra tensor', async () => {
    const t = await tensorsOf();
    t.set('0.weight_hr_l0', { shape: [1], data: new Float32Array(1) });
    expect(thrown(() => loadModel(spec, serializeSafetensors(t))).message).toMatch(
      /unexpected tensor "0.weight_hr_l0": the model's parameters are 0.weight_ih_l0 \[3, 2\]/,
    );
  });

  it('two tensors onto one parameter (bare and prefixed)', async () => {
    const t = await tensorsOf();
    t.set('weight_ih_l0', t.get('0.weight_ih_l0')!);
    expect(thrown(() => loadModel(spec, serializeSafetensors(t))).message).toMatch(
      /"0.weight_ih_l0" and "weight_ih_l0" both map to parameter "0.weight_ih_l0"/,
    );
  });

  it('mis-shaped tensor (right byte count, wrong shape)', async () => {
    const t = await tensorsOf();
    t.set('0.weight_ih_l0', { shape: [2, 3], data: t.get('0.weight_ih_l0')!.data });
    const e = thrown(() => loadModel(spec, serializeSafetensors(t)));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.argument).toBe('weights["0.weight_ih_l0"]');
    expect(e.message).toMatch(/expected shape \[3, 2\] for parameter "0.weight_ih_l0", got F32 \[2, 3\]/);
  });

  it('wrong dtype', async () => {
    const t = await tensorsOf();
    t.set('0.bias_ih_l0', { shape: [3], data: Int32Array.from([1, 2, 3]) });
    const e = thrown(() => loadModel(spec, serializeSafetensors(t)));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/weights\["0.bias_ih_l0"\]: expected a floating-point dtype .* got I32/);
  });

  it('F64 weights are rounded to float32', async () => {
    const t = await tensorsOf();
    const w = t.get('0.weight_hh_l0')!;
    t.set('0.weight_hh_l0', { shape: w.shape, data: Float64Array.from(w.data) });
    const m = loadModel(spec, serializeSafetensors(t));
    expect(bits((await m.stateDict()).get('0.weight_hh_l0')!)).toEqual(bits(w.data as Float32Array));
  });

  it('spec: invalid JSON, not an object, or an invalid graph → INVALID_SPEC', async () => {
    const weights = serializeSafetensors(await tensorsOf());
    let e = thrown(() => loadModel('{"format": "rnnkit.model", ', weights));
    expect(e.code).toBe('INVALID_SPEC');
    expect(e.message).toMatch(/^spec: expected ModelSpec JSON text, got a parse error/);
    expect(thrown(() => loadModel('42', weights)).code).toBe('INVALID_SPEC');
    const broken = JSON.parse(JSON.stringify(spec));
    broken.layers[0].hiddenSize = 0;
    e = thrown(() => loadModel(JSON.stringify(broken), weights));
    expect(e.code).toBe('INVALID_SPEC');
    expect(e.argument).toBe('spec.layers[0].hiddenSize');
    // a spec that is valid but bigger than the weights
    const bigger = JSON.parse(JSON.stringify(spec));
    bigger.layers[0].hiddenSize = 4;
    expect(thrown(() => loadModel(bigger, weights)).message).toMatch(/expected shape \[4, 2\]/);
  });

  it('loadWeights into an existing model changes nothing when the file is bad', async () => {
    const m = smallModel();
    const before = await m.stateDict();
    const other = sequential([rnn({ inputSize: 2, hiddenSize: 3 })], { seed: 2 });
    const good = await saveWeights(other);
    const truncated = good.subarray(0, good.length - 1);
    expect(thrown(() => loadWeights(m, truncated)).code).toBe('INVALID_FILE');
    const t = await tensorsOf();
    t.set('0.bias_hh_l0', { shape: [3], data: Int32Array.from([1, 2, 3]) });
    expect(thrown(() => loadWeights(m, serializeSafetensors(t))).code).toBe('INVALID_FILE');
    for (const [k, v] of before) expect(bits((await m.stateDict()).get(k)!)).toEqual(bits(v));
    loadWeights(m, good);
    for (const [k, v] of await other.stateDict()) expect(bits((await m.stateDict()).get(k)!)).toEqual(bits(v));
  });
});
