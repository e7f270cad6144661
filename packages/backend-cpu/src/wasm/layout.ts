import type { WasmKernels } from './load.js';

/**
 * Batch-first ↔ time-major inside the module, for the fused recurrent kernels' `batchFirst`:
 * the copy in or out they make anyway, plus one row-regrouping pass in WebAssembly (a
 * memory.copy per row) instead of core's gatherRows in JS.
 */

/** A batch-first [B, T, F] array copied into the arena as time-major [T, B, F]; its address. */
export function putTimeMajor(w: WasmKernels, src: Float32Array, B: number, T: number, F: number): number {
  const raw = w.arena.put(src);
  const out = w.arena.alloc(src.length * 4);
  w.k.transposeRows(B, T, F, raw, out);
  return out;
}

/** Time-major [T, B, F] at `p` copied out as a batch-first [B, T, F] array. */
export function takeBatchFirst(w: WasmKernels, p: number, T: number, B: number, F: number): Float32Array {
  const out = w.arena.alloc(T * B * F * 4);
  w.k.transposeRows(T, B, F, p, out);
  return w.arena.take(out, T * B * F);
}
