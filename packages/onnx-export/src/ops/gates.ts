import type { CellKind } from '@rnnkit/core';

/**
 * Gate order conversion at the edge, PyTorch → ONNX. Weights are stacked gate blocks of H rows:
 * LSTM PyTorch i,f,g,o → ONNX i,o,f,c (c is PyTorch's g); GRU PyTorch r,z,n → ONNX z,r,h.
 * `ONNX_GATE_SOURCE[cell][k]` is the PyTorch block that becomes ONNX block k.
 */
export const ONNX_GATE_SOURCE: Readonly<Record<CellKind, readonly number[]>> = {
  rnn_tanh: [0],
  rnn_relu: [0],
  lstm: [0, 3, 1, 2],
  gru: [1, 0, 2],
};

/**
 * Reorders the gate blocks of a [G*H, cols] weight (cols = 1 for a bias [G*H] or per-row scales)
 * from PyTorch's order into ONNX's and writes them into `out` at `offset` (so directions can be
 * stacked). Float32 weights, or int8 weights of a quantized model.
 */
export function reorderGates<A extends Float32Array | Int8Array>(cell: CellKind, H: number, cols: number, src: A, out: A, offset = 0): void {
  const order = ONNX_GATE_SOURCE[cell];
  const block = H * cols;
  for (const [to, from] of order.entries()) out.set(src.subarray(from * block, (from + 1) * block), offset + to * block);
}
