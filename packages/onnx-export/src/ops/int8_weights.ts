import type { CellKind, QuantizedMatrix } from '@rnnkit/core';
import { reorderGates } from './gates.js';

/**
 * rnnkit's int8 weights in the layouts onnxruntime's int8 contrib ops read. rnnkit stores a
 * weight as PyTorch does, [N, K] (one row per output channel), int8 symmetric per row with one
 * float32 scale per row and zero point 0; onnxruntime's `DynamicQuantizeLSTM` and
 * `DynamicQuantizeMatMul` take the transpose, [K, N], with one scale per column (per-channel
 * quantization) — the same numbers, moved.
 *
 * Stored as uint8 Wq + 128 with zero point 128 (the same values: (Wq + 128 − 128) · scale),
 * not as int8 with zero point 0. Both load, but onnxruntime's x86 u8s8 GEMM without VNNI (AVX2:
 * `vpmaddubsw`) adds pairs of uint8 × int8 products in int16 and saturates when both are large
 * (2 · 255 · 127 > 32767), and rnnkit's full-range ±127 weights hit that: on this AVX2 machine the
 * int8 form's error against the float32 model was 11–37× rnnkit's own int8 error; the uint8 form
 * (u8u8 GEMM, widened to 16 bits before multiplying) matches it (see the package README).
 */

/** Zero point of the stored weights: uint8 Wq + 128 holds rnnkit's int8 Wq exactly. */
export const WEIGHT_ZERO_POINT = 128;

/** [N, K] int8 → [K, N] uint8 Wq + 128, written into `out` at `offset`. */
function transposeInto(src: Int8Array, N: number, K: number, out: Uint8Array, offset: number): void {
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) out[offset + k * N + n] = src[n * K + k] + WEIGHT_ZERO_POINT;
}

/** What the contrib ops read for one weight: values, per-channel scales, zero points (all 128). */
export interface OrtInt8Weights {
  data: Uint8Array;
  scales: Float32Array;
  zeroPoints: Uint8Array;
}

/**
 * W (or R) of `DynamicQuantizeLSTM` from one quantized weight per direction, each [G·H, K] in
 * PyTorch's gate order: `data` [dirs, K, G·H] (uint8 Wq + 128) with the gate blocks in ONNX's
 * order (see gates.ts) and transposed; `scales` [dirs, G·H] float32 in the same order;
 * `zeroPoints` [dirs, G·H], all 128 (onnxruntime wants one zero point for all uint8 channels).
 */
export function lstmInt8Weights(cell: CellKind, H: number, K: number, perDirection: readonly QuantizedMatrix[]): OrtInt8Weights {
  const G = 4;
  const dirs = perDirection.length;
  const data = new Uint8Array(dirs * K * G * H);
  const scales = new Float32Array(dirs * G * H);
  const reordered = new Int8Array(G * H * K);
  perDirection.forEach((q, d) => {
    reorderGates(cell, H, K, q.data, reordered);
    transposeInto(reordered, G * H, K, data, d * K * G * H);
    reorderGates(cell, H, 1, q.scales, scales, d * G * H);
  });
  return { data, scales, zeroPoints: new Uint8Array(dirs * G * H).fill(WEIGHT_ZERO_POINT) };
}

/**
 * B of `DynamicQuantizeMatMul` for a linear layer's quantized weight [O, F]: `data` [F, O]
 * (uint8 Wq + 128; x · (data − 128) is x Wqᵀ), `scales` [O] (one per output column),
 * `zeroPoints` [O], all 128.
 */
export function matmulInt8Weights(q: QuantizedMatrix): OrtInt8Weights {
  const [O, F] = q.shape;
  const data = new Uint8Array(O * F);
  transposeInto(q.data, O, F, data, 0);
  return { data, scales: q.scales.slice(), zeroPoints: new Uint8Array(O).fill(WEIGHT_ZERO_POINT) };
}
