import { isRnnkitError, lastStep, linear, lstm, sequential } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index.js';
import { decodeModel, encodeModel, readModelProto } from '../src/proto_entry.js';

/** The error `f` throws (it must throw). */
function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** Nested length-delimited fields: ModelProto.graph → GraphProto.node → NodeProto.attribute → AttributeProto.g → … */
function nested(levels: number): Uint8Array {
  const fields = [7, ...Array.from({ length: levels }, () => [1, 5, 6]).flat()];
  let inner = new Uint8Array(0);
  for (let k = fields.length - 1; k >= 0; k--) {
    const len: number[] = [];
    for (let n = inner.length; ; n >>>= 7) {
      if (n < 0x80) {
        len.push(n);
        break;
      }
      len.push((n & 0x7f) | 0x80);
    }
    const next = new Uint8Array(1 + len.length + inner.length);
    next.set([(fields[k] << 3) | 2, ...len]);
    next.set(inner, 1 + len.length);
    inner = next;
  }
  return inner;
}

describe('the protobuf layer (Protobuf-ES code generated from onnx.proto)', async () => {
  const bytes = await exportOnnx(sequential([lstm({ inputSize: 3, hiddenSize: 4 }), lastStep(), linear({ outFeatures: 2 })], { seed: 3 }));

  it('decodes int64 fields as bigint and re-encodes an export to the same bytes', () => {
    const m = decodeModel(bytes);
    expect(m.irVersion).toBe(8n);
    expect(m.opsetImport[0].version).toBe(17n);
    expect(typeof m.graph!.initializer[0].dims[0]).toBe('bigint');
    expect(Buffer.compare(Buffer.from(encodeModel(m)), Buffer.from(bytes))).toBe(0);
  });

  it('readModelProto: every truncation of a real export decodes or is INVALID_FILE, nothing else', () => {
    for (let n = 0; n < bytes.length; n += 7) {
      try {
        readModelProto(bytes.subarray(0, n), 'model');
      } catch (e) {
        expect(isRnnkitError(e) && e.code === 'INVALID_FILE' && e.argument === 'model', `${n}: ${e}`).toBe(true);
      }
    }
  });

  it('readModelProto: a length past the end is INVALID_FILE before anything that size is allocated', () => {
    // producer_name (field 2, a string), then graph (field 7, a message): each claims 2^31 - 1 bytes and holds 3.
    const huge = [0xff, 0xff, 0xff, 0xff, 0x07, 1, 2, 3];
    const e = errorOf(() => readModelProto(Uint8Array.from([0x12, ...huge])));
    expect(isRnnkitError(e) && e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/^bytes: expected an ONNX ModelProto, got bytes that do not decode \(premature EOF/);
    const g = errorOf(() => readModelProto(Uint8Array.from([0x3a, ...huge])));
    expect(isRnnkitError(g) && g.code).toBe('INVALID_FILE');
  });

  it('readModelProto: nesting past the decoder’s depth limit is INVALID_FILE; a shallow nest decodes', () => {
    expect(readModelProto(nested(10)).graph?.node.length).toBe(1);
    const e = errorOf(() => readModelProto(nested(200)));
    expect(isRnnkitError(e) && e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/recursion depth/);
  });

  it('readModelProto: a known field with another type’s wire type, or a sub-message past its parent, is INVALID_FILE', () => {
    // ir_version (field 1, int64) written as a length-delimited field: Protobuf-ES alone would read
    // its length as the value and go on decoding inside the string.
    const e = errorOf(() => readModelProto(Uint8Array.from([0x0a, 0x01, 0x08])));
    expect(isRnnkitError(e) && e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/onnx\.ModelProto\.ir_version \(field 1\) at byte 0 is length-delimited, expected varint/);
    // graph (7) of 4 bytes holding output (12) → ValueInfoProto whose name (1) claims 5 bytes:
    // inside the input but past both enclosing messages. Protobuf-ES alone read on into the
    // next field; onnx-import's mutation property test caught a graph output vanishing that way.
    const overrun = Uint8Array.from([0x3a, 0x04, 0x62, 0x02, 0x0a, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65]);
    const o = errorOf(() => readModelProto(overrun));
    expect(isRnnkitError(o) && o.code).toBe('INVALID_FILE');
    expect(o.message).toMatch(/premature EOF: onnx\.ValueInfoProto\.name of 5 bytes/);
    // The same tag-byte flip the property test found: the last TensorShapeProto.dim holding a
    // dim_value (0a 02 08 v: the graph output's [batch, 2]) rewritten as a varint field.
    let at = -1;
    for (let i = bytes.length - 4; i >= 0 && at < 0; i--) if (bytes[i] === 0x0a && bytes[i + 1] === 0x02 && bytes[i + 2] === 0x08) at = i;
    if (at < 0) throw new Error('no TensorShapeProto.dim with a dim_value in the export');
    const flipped = bytes.slice();
    flipped[at] = 0x10;
    expect(() => readModelProto(flipped)).toThrow(/onnx\.TensorShapeProto\.dim \(field 1\) at byte \d+ is varint, expected length-delimited/);
  });

  it('readModelProto: not bytes is INVALID_ARGUMENT', () => {
    const e = errorOf(() => readModelProto('x' as unknown as Uint8Array, 'file'));
    expect(isRnnkitError(e) && [e.code, e.argument]).toEqual(['INVALID_ARGUMENT', 'file']);
  });
});
