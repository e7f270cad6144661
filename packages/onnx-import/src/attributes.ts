import type { DecodedAttributeProto as AttributeProto } from '@rnnkit/onnx-export/proto';
import { clip, invalidNode } from './errors.js';
import type { GraphNode } from './graph.js';
import { int64ToNumber } from './int64.js';

/** AttributeProto.AttributeType codes. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Typed access to one node's attributes; a wrong type is INVALID_FILE naming node and attribute. */
export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();
  constructor(private readonly node: GraphNode) {
    for (const a of node.proto.attribute ?? []) {
      if (typeof a.name === 'string') this.byName.set(a.name, a);
    }
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The attribute's declared type, which ONNX requires (IR ≥ 0.0.2, all opsets read here). */
  private typeOf(a: AttributeProto): number {
    if (!a.type) invalidNode(this.node.ref, `attribute ${clip(a.name ?? '', 40)}`, 'has no type (AttributeProto.type is required)');
    return a.type;
  }

  private get(name: string, type: number, what: string): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    const t = this.typeOf(a);
    if (t !== type) invalidNode(this.node.ref, `attribute ${name}`, `expected ${what}, got attribute type ${t}`);
    return a;
  }

  int(name: string): number | undefined;
  int(name: string, fallback: number): number;
  int(name: string, fallback?: number): number | undefined {
    const a = this.get(name, AttrType.INT, 'an integer');
    if (!a) return fallback;
    const v = int64ToNumber(a.i ?? 0);
    if (!Number.isSafeInteger(v)) invalidNode(this.node.ref, `attribute ${name}`, `expected an integer within ±2^53, got ${v}`);
    return v;
  }

  float(name: string): number | undefined {
    const a = this.get(name, AttrType.FLOAT, 'a float');
    return a ? (a.f ?? 0) : undefined;
  }

  ints(name: string): number[] | undefined {
    const a = this.get(name, AttrType.INTS, 'a list of integers');
    if (!a) return undefined;
    return (a.ints ?? []).map((x, i) => {
      const v = int64ToNumber(x);
      if (!Number.isFinite(v)) invalidNode(this.node.ref, `attribute ${name}[${i}]`, `expected an integer, got ${v}`);
      return v;
    });
  }

  floats(name: string): number[] | undefined {
    const a = this.get(name, AttrType.FLOATS, 'a list of floats');
    return a ? [...(a.floats ?? [])] : undefined;
  }

  string(name: string): string | undefined {
    const a = this.get(name, AttrType.STRING, 'a string');
    return a ? clip(utf8.decode(a.s ?? new Uint8Array())) : undefined;
  }

  strings(name: string): string[] | undefined {
    const a = this.get(name, AttrType.STRINGS, 'a list of strings');
    return a ? (a.strings ?? []).map((s) => clip(utf8.decode(s))) : undefined;
  }

  tensor(name: string): AttributeProto['t'] | undefined {
    const a = this.get(name, AttrType.TENSOR, 'a tensor');
    return a ? a.t : undefined;
  }
}
