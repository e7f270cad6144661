import type { HostTensor } from '@rnnkit/core';
import ort from 'onnxruntime-node';
import type { OnnxFeed } from '../src/index.js';

/**
 * Agreement bound between onnxruntime and rnnkit (the bound): both compute in float32
 * and differ only in summation order and activation approximations.
 */
export const ORT_TOLERANCE = 1e-5;

/** Runs ONNX bytes in onnxruntime-node (CPU) and returns every output as float32 host data. */
export async function runOrt(
  bytes: Uint8Array,
  feeds: Record<string, OnnxFeed & { type?: 'float32' | 'int32' | 'int64' }>,
): Promise<Record<string, HostTensor>> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 }); // errors only: test graphs leave initializers unused
  const t: Record<string, ort.Tensor> = {};
  for (const [k, f] of Object.entries(feeds)) {
    if (f.data instanceof Float32Array) t[k] = new ort.Tensor('float32', f.data, [...f.shape]);
    else if (f.data instanceof BigInt64Array) t[k] = new ort.Tensor('int64', f.data, [...f.shape]);
    else if (f.data instanceof Int32Array) t[k] = new ort.Tensor('int32', f.data, [...f.shape]);
    else throw new Error(`runOrt: feed ${k} must be a typed array`);
  }
  const out = await session.run(t);
  const res: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(out)) res[k] = { data: v.data as Float32Array, shape: [...v.dims] };
  await session.release();
  return res;
}

/** max |a − b|; Infinity on a shape mismatch or a NaN on one side only (NaN on both sides agrees: a weight made NaN by a mutation). */
export function maxAbsDiff(a: HostTensor, b: HostTensor): number {
  if (!a || !b || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]) || a.data.length !== b.data.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (Number.isNaN(a.data[i]) && Number.isNaN(b.data[i])) continue;
    const d = Math.abs(a.data[i] - b.data[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Largest difference over every output both sides have; Infinity when one side lacks an output. */
export function maxDiffAll(ours: Record<string, HostTensor>, theirs: Record<string, HostTensor>): number {
  let m = 0;
  for (const k of Object.keys(theirs)) m = Math.max(m, maxAbsDiff(ours[k], theirs[k]));
  return Object.keys(ours).length === Object.keys(theirs).length ? m : Infinity;
}

/** Seeded draws in (-3, 3), so inputs are the same on every run. */
export function draws(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Float32Array.from({ length: n }, () => scale * (u() + u() + u() - 1.5) * 2);
}

/**
 * Largest |a − b| / max(1, max |b|) per output tensor: the same as maxDiffAll for outputs of
 * magnitude ≤ 1, and scaled by the output's largest value beyond. For mutated files only, whose
 * weights can be anything: float32 rounding grows with the magnitude of the sums inside the
 * recurrence (outputs in the hundreds carry ulp(100) ≈ 8e-6 per operation, and cancellation
 * moves that error onto small outputs), which no absolute bound made for unit-scale outputs can
 * hold.
 */
export function maxScaledDiffAll(ours: Record<string, HostTensor>, theirs: Record<string, HostTensor>): number {
  if (Object.keys(ours).length !== Object.keys(theirs).length) return Infinity;
  let m = 0;
  for (const k of Object.keys(theirs)) {
    const b = theirs[k];
    let scale = 1;
    for (const v of b.data) if (Math.abs(v) > scale) scale = Math.abs(v);
    m = Math.max(m, maxAbsDiff(ours[k], b) / scale);
  }
  return m;
}
