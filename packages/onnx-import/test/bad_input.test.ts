import { RnnkitError } from '@rnnkit/core';
import { decodeModel, encodeModel } from '@rnnkit/onnx-export/proto';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';
import { loadFixtures } from './fixtures.js';
import type { GraphSpec } from './onnx_builder.js';
import { buildOnnx, node, weights } from './onnx_builder.js';

/**
 * Malformed files: a clear RnnkitError naming what is wrong, and nothing allocated past the
 * limits (every size read from the file is checked before an array of that size exists).
 */

function errorOf(f: () => unknown): RnnkitError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RnnkitError);
    return e as RnnkitError;
  }
  throw new Error('expected an RnnkitError, but the call succeeded');
}

const H = 3;
const D = 2;
function rnnGraph(): GraphSpec {
  return {
    opset: 17,
    inputs: [{ name: 'X', dims: ['T', 'N', D] }],
    outputs: ['out'],
    floats: { W: { dims: [1, H, D], data: weights(H * D, 1) }, R: { dims: [1, H, H], data: weights(H * H, 2) } },
    ints: { ax1: { dims: [1], data: [1] } },
    nodes: [node('RNN', ['X', 'W', 'R'], ['Y'], { hidden_size: H }, 'rec'), node('Squeeze', ['Y', 'ax1'], ['out'], undefined, 'sq')],
  };
}

describe('bad input', () => {
  const valid = loadFixtures()[0].bytes;

  it('a valid file imports (the baseline the cases below break)', () => {
    expect(importOnnx(buildOnnx(rnnGraph())).spec.layers[0].type).toBe('recurrent');
  });

  it('not bytes', () => {
    for (const v of [null, undefined, 'model.onnx', [1, 2, 3], new ArrayBuffer(4)]) {
      expect(errorOf(() => importOnnx(v as unknown as Uint8Array)).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('options: unknown keys and bad limits', () => {
    expect(errorOf(() => importOnnx(valid, { limit: {} } as never)).message).toMatch(/options\.limit: expected one of limits/);
    expect(errorOf(() => importOnnx(valid, { limits: { maxNodes: -1 } })).message).toMatch(/options\.limits\.maxNodes: expected a positive integer, got -1/);
    expect(errorOf(() => importOnnx(valid, { limits: { maxNodes: Number.NaN } })).code).toBe('INVALID_ARGUMENT');
  });

  it('every truncation of a real file: INVALID_FILE or UNSUPPORTED, nothing else', () => {
    for (let n = 0; n < valid.length; n += 7) {
      const e = errorOf(() => importOnnx(valid.subarray(0, n)));
      expect(['INVALID_FILE', 'UNSUPPORTED']).toContain(e.code);
      expect(e.message).not.toMatch(/internal error/);
    }
  });

  it('bytes that are not protobuf', () => {
    const e = errorOf(() => importOnnx(new TextEncoder().encode('{"this": "is json, not onnx"}')));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/^bytes: /);
  });

  it('a tensor whose dims declare more data than the file holds', () => {
    const g = rnnGraph();
    g.raw = [{ name: 'B', dims: [1_000_000n, 1_000_000n], dataType: 1, rawData: new Uint8Array(8) }];
    g.nodes[0].inputs = ['X', 'W', 'R', 'B'];
    const before = process.memoryUsage().arrayBuffers;
    const e = errorOf(() => importOnnx(buildOnnx(g)));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/tensor "B": expected 1000000000000 float32 values .* got 8 bytes/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it('a tensor past limits.maxTensorElements', () => {
    const e = errorOf(() => importOnnx(buildOnnx(rnnGraph()), { limits: { maxTensorElements: 5 } }));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/tensor "W" has 6 elements, more than the limit of 5 \(limits\.maxTensorElements\)/);
  });

  it('a constant a node would expand past the limits (Expand of a one to 10^10 elements)', () => {
    const g = rnnGraph();
    g.ints!.huge = { dims: [2], data: [100_000, 100_000] };
    g.floats!.one = { dims: [1], data: [1] };
    g.nodes.push(node('Expand', ['one', 'huge'], ['big'], undefined, 'expand_ones'), node('Add', ['out', 'big'], ['y']));
    const e = errorOf(() => importOnnx(buildOnnx({ ...g, outputs: ['y'] })));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(
      /node "expand_ones" \(Expand\), output: would generate 10000000000 elements from inputs of 3, more than the limit of 4194304 \(limits\.maxGeneratedElements\)/,
    );
  });

  it('an attribute without its type', () => {
    const g = rnnGraph();
    const bytes = buildOnnx(g);
    // Rewrite the hidden_size attribute with type UNDEFINED through the decoded message.
    const m = decodeModel(bytes);
    m.graph!.node[0].attribute[0].type = 0;
    const e = errorOf(() => importOnnx(encodeModel(m)));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/node "rec" \(RNN\), attribute hidden_size: has no type/);
  });

  it('a missing IR version', () => {
    const m = decodeModel(buildOnnx(rnnGraph()));
    m.irVersion = 0n;
    expect(errorOf(() => importOnnx(encodeModel(m))).message).toMatch(/^ir_version: expected an IR version ≥ 3/);
  });

  it('value names that are not valid UTF-8 (they could decode to the same text)', () => {
    const bytes = buildOnnx({
      ...rnnGraph(),
      nodes: [node('RNN', ['X', 'W', 'R'], ['Y\u00e9'], { hidden_size: H }, 'rec'), node('Squeeze', ['Y\u00e9', 'ax1'], ['out'], undefined, 'sq')],
    });
    // é is C3 A9 in UTF-8; C3 followed by another C3 is invalid.
    const bad = bytes.slice();
    for (let i = 0; i + 1 < bad.length; i++) if (bad[i] === 0xc3 && bad[i + 1] === 0xa9) bad[i + 1] = 0xc3;
    const e = errorOf(() => importOnnx(bad));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/is not valid UTF-8/);
  });

  it('a cycle', () => {
    const g = rnnGraph();
    g.nodes = [node('Identity', ['b'], ['a'], undefined, 'first'), node('Identity', ['a'], ['b'], undefined, 'second'), ...g.nodes];
    const e = errorOf(() => importOnnx(buildOnnx(g)));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/node "first" \(Identity\) is part of a cycle/);
  });

  it('a dangling name', () => {
    const g = rnnGraph();
    g.nodes[1].inputs = ['Y_typo', 'ax1'];
    const e = errorOf(() => importOnnx(buildOnnx(g)));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/node "sq" \(Squeeze\) reads "Y_typo", which no node, initializer or graph input defines/);
    expect(e.argument).toBe('graph.node[1].input[0]');
  });

  it('a graph output nothing defines', () => {
    const e = errorOf(() => importOnnx(buildOnnx({ ...rnnGraph(), outputs: ['nowhere'] })));
    expect(e.message).toMatch(/graph output "nowhere" is not defined/);
  });

  it('a value defined twice', () => {
    const g = rnnGraph();
    g.nodes.push(node('Identity', ['X'], ['out'], undefined, 'again'));
    const e = errorOf(() => importOnnx(buildOnnx(g)));
    expect(e.code).toBe('INVALID_FILE');
    expect(e.message).toMatch(/value "out" is defined twice/);
  });

  it('more nodes than limits.maxNodes', () => {
    const e = errorOf(() => importOnnx(buildOnnx(rnnGraph()), { limits: { maxNodes: 1 } }));
    expect(e.message).toMatch(/expected at most 1 nodes \(limits\.maxNodes\), got 2/);
  });

  it('a hostile 100 000-character name is shortened in messages', () => {
    const g = rnnGraph();
    const long = 'n'.repeat(100_000);
    g.nodes[1].inputs = [long, 'ax1'];
    const e = errorOf(() => importOnnx(buildOnnx(g)));
    expect(e.message.length).toBeLessThan(500);
  });

  it('messages nested deeply enough to exhaust the decoder’s stack', () => {
    // ModelProto.graph → GraphProto.node → NodeProto.attribute → AttributeProto.g → GraphProto …
    // Built back to front in one buffer: each level is tag, length, then the level inside it.
    const fields = [7, ...Array.from({ length: 30_000 }, () => [1, 5, 6]).flat()];
    const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4);
    const sizes = new Array<number>(fields.length + 1).fill(0);
    for (let k = fields.length - 1; k >= 0; k--) sizes[k] = 1 + varintSize(sizes[k + 1]) + sizes[k + 1];
    const bytes = new Uint8Array(sizes[0]);
    let at = 0;
    fields.forEach((field, k) => {
      bytes[at++] = (field << 3) | 2;
      for (let n = sizes[k + 1]; ; n >>>= 7) {
        if (n < 0x80) {
          bytes[at++] = n;
          break;
        }
        bytes[at++] = (n & 0x7f) | 0x80;
      }
    });
    const e = errorOf(() => importOnnx(bytes));
    expect(['INVALID_FILE', 'UNSUPPORTED']).toContain(e.code);
  });
});
