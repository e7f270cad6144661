import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';

/**
 * A strict pass over protobuf bytes against a message schema, run before Protobuf-ES decodes
 * untrusted ONNX (readModelProto). Protobuf-ES reads a known field by its schema without
 * checking the wire type the bytes carry, and does not stop a sub-message at its parent's end:
 * one flipped tag byte inside a tensor shape made it read the next graph output as part of that
 * shape and drop it, a different model from the one onnxruntime parses from the same bytes
 * (onnx-import's mutation property test found it). Here every tag's wire type must be the one its
 * field's type is encoded with (packed or not, for repeated numbers), every length must fit
 * inside its parent, and nesting stops at `maxDepth`; unknown fields are skipped by their own
 * wire type (groups refused: ONNX has none). Throws an Error saying where; allocates nothing.
 */

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;
const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start group', 'end group', 'fixed32', 'wire type 6', 'wire type 7'];

/** The wire type a scalar value is written with. */
function scalarWire(t: ScalarType): number {
  switch (t) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return FIXED64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return FIXED32;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return LEN;
    default:
      return VARINT;
  }
}

/** Wire types a field may carry: one, or a repeated number's element type and packed (LEN). */
function allowedWires(f: DescField): readonly number[] {
  switch (f.fieldKind) {
    case 'scalar':
      return [scalarWire(f.scalar)];
    case 'enum':
      return [VARINT];
    case 'message':
    case 'map':
      return [LEN];
    case 'list':
      if (f.listKind === 'message') return [LEN];
      if (f.listKind === 'enum') return [VARINT, LEN];
      return scalarWire(f.scalar) === LEN ? [LEN] : [scalarWire(f.scalar), LEN];
  }
}

/** The sub-message a LEN field holds (walked in turn), or undefined for bytes, strings, packed numbers and maps. */
function subMessage(f: DescField): DescMessage | undefined {
  if (f.fieldKind === 'message') return f.message;
  if (f.fieldKind === 'list' && f.listKind === 'message') return f.message;
  return undefined;
}

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  /** A varint of at most 10 bytes, as a number (exact below 2^53; only lengths and tags are used). */
  varint(end: number): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new Error(`premature EOF: a varint cut at byte ${this.pos}`);
      const b = this.bytes[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new Error(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  skip(n: number, end: number, what: string): void {
    if (n > end - this.pos)
      throw new Error(`premature EOF: ${what} of ${n} bytes at byte ${this.pos} runs past its message's end (${end - this.pos} bytes left)`);
    this.pos += n;
  }
}

function walk(c: Cursor, end: number, desc: DescMessage, depth: number, maxDepth: number): void {
  if (depth > maxDepth) throw new Error(`maximum recursion depth of ${maxDepth} reached`);
  while (c.pos < end) {
    const at = c.pos;
    const tag = c.varint(end);
    const wire = tag % 8;
    const no = Math.floor(tag / 8);
    if (no === 0) throw new Error(`field number 0 at byte ${at}`);
    const field = desc.fields.find((f) => f.number === no);
    if (field) {
      const ok = allowedWires(field);
      if (!ok.includes(wire)) {
        throw new Error(
          `${desc.typeName}.${field.name} (field ${no}) at byte ${at} is ${WIRE_NAMES[wire]}, expected ${ok.map((w) => WIRE_NAMES[w]).join(' or ')}`,
        );
      }
    }
    switch (wire) {
      case VARINT:
        c.varint(end);
        break;
      case FIXED64:
        c.skip(8, end, 'a fixed64');
        break;
      case FIXED32:
        c.skip(4, end, 'a fixed32');
        break;
      case LEN: {
        const n = c.varint(end);
        const sub = field && subMessage(field);
        if (sub) {
          const start = c.pos;
          c.skip(n, end, `${desc.typeName}.${field.name}`);
          const inner = new Cursor(c.bytes, start);
          walk(inner, start + n, sub, depth + 1, maxDepth);
        } else c.skip(n, end, field ? `${desc.typeName}.${field.name}` : `unknown field ${no}`);
        break;
      }
      default:
        throw new Error(`${WIRE_NAMES[wire]} (field ${no}) at byte ${at}: not a wire type ONNX uses`);
    }
  }
}

/** Throws unless `bytes` is well-formed protobuf for `desc` (see the file comment). */
export function checkWireFormat(bytes: Uint8Array, desc: DescMessage, maxDepth = 100): void {
  walk(new Cursor(bytes, 0), bytes.length, desc, 0, maxDepth);
}
