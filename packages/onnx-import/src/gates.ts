import type { CellKind } from '@rnnkit/core';
import { ONNX_GATE_SOURCE } from '@rnnkit/onnx-export';

/**
 * Gate order conversion at the edge, ONNX → PyTorch: the inverse of the exporter's table.
 * LSTM ONNX i,o,f,c → PyTorch i,f,g,o; GRU ONNX z,r,h → PyTorch r,z,n. `ONNX_GATE_SOURCE[cell][k]`
 * is the PyTorch block that ONNX block k came from, so ONNX block k goes back there.
 */
export function toTorchGateOrder(cell: CellKind, H: number, cols: number, src: Float32Array, srcOffset: number): Float32Array {
  const order = ONNX_GATE_SOURCE[cell];
  const block = H * cols;
  const out = new Float32Array(order.length * block);
  for (const [onnxBlock, torchBlock] of order.entries())
    out.set(src.subarray(srcOffset + onnxBlock * block, srcOffset + (onnxBlock + 1) * block), torchBlock * block);
  return out;
}
