import { RnnkitError } from '@rnnkit/core';
import type { TfjsContext } from './context.js';
import type { TfjsEngineKind } from './engine.js';

/**
 * What each engine can hold, in bytes. tfjs-backend-wasm 4.22 keeps every tensor in one wasm32
 * memory whose maximum is 65,536 pages (4 GiB; its heap cap is 4,294,901,760 bytes). Measured in
 * Node 20: a fresh heap takes one tensor of 4 GiB − 1 MiB, one of 4 GiB − 4 KiB fails its
 * malloc (a RangeError), and a 1.9 GiB Fill after a freed 1.5 GiB tensor trapped with
 * "memory access out of bounds" and left the engine unusable (every later op traps too). An op
 * holds its inputs and its output in the heap at once, so one tensor is capped at 1 GiB (an op
 * on two of them plus its result fits, with room for the model) and a kernel's own working set
 * (what core's per-result check can't see, e.g. a recurrent kernel's per-step tensors) at 2 GiB.
 * tfjs-cpu and tfjs-node keep tensors in JavaScript arrays or native memory: core's defaults.
 */
export const ENGINE_LIMITS: Record<TfjsEngineKind, { maxTensorBytes?: number; maxWorkingBytes: number }> = {
  wasm: { maxTensorBytes: 2 ** 30, maxWorkingBytes: 2 ** 31 },
  cpu: { maxWorkingBytes: Infinity },
  node: { maxWorkingBytes: Infinity },
};

/**
 * Refuses, before any tfjs call, a kernel whose own working set (`bytes`, estimated from the
 * shapes) is more than the engine holds: LIMIT_EXCEEDED naming the op and the argument that
 * sets the size. Nothing has been allocated when it throws.
 */
export function checkWorkingSet(ctx: TfjsContext, op: string, argument: string, bytes: number, detail: string): void {
  if (bytes <= ctx.maxWorkingBytes) return;
  throw new RnnkitError(
    'LIMIT_EXCEEDED',
    `${op}: ${argument}: expected a working set of at most ${ctx.maxWorkingBytes} bytes (what the ${ctx.label} engine can hold for one kernel), got ${bytes < 1e15 ? bytes : bytes.toExponential(3)} bytes (${detail}); use a shorter sequence or a smaller batch`,
    { argument },
  );
}
