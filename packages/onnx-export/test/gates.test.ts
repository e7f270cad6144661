import { describe, expect, it } from 'vitest';
import { reorderGates } from '../src/ops/gates.js';

describe('gate reordering (PyTorch → ONNX)', () => {
  // Rows of block k hold the value k, so the output spells the source order.
  const blocks = (G: number, H: number, cols: number) => Float32Array.from({ length: G * H * cols }, (_, i) => Math.floor(i / (H * cols)));
  const order = (out: Float32Array, H: number, cols: number) => Array.from({ length: out.length / (H * cols) }, (_, k) => out[k * H * cols]);

  it('LSTM i,f,g,o → i,o,f,c', () => {
    const out = new Float32Array(4 * 2 * 3);
    reorderGates('lstm', 2, 3, blocks(4, 2, 3), out);
    expect(order(out, 2, 3)).toEqual([0, 3, 1, 2]);
  });
  it('GRU r,z,n → z,r,h', () => {
    const out = new Float32Array(3 * 2);
    reorderGates('gru', 2, 1, blocks(3, 2, 1), out);
    expect(order(out, 2, 1)).toEqual([1, 0, 2]);
  });
  it('writes at an offset so directions stack', () => {
    const out = new Float32Array(2 * 3 * 2).fill(-1);
    reorderGates('gru', 2, 1, blocks(3, 2, 1), out, 6);
    expect(Array.from(out.subarray(0, 6))).toEqual(new Array(6).fill(-1));
    expect(order(out.subarray(6), 2, 1)).toEqual([1, 0, 2]);
  });
});
