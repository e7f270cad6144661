import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { Backend, ForwardOptions, HostTensor, Model, TokenInput } from '@rnnkit/core';
import ort from 'onnxruntime-node';

/**
 * Agreement bound between onnxruntime and rnnkit's CPU backend: both compute in float32 and
 * differ only in summation order and activation approximations; measured maxima sit near
 * 3e-7 (see README); 1e-5 leaves room for longer sequences and other CPUs.
 */
export const ORT_TOLERANCE = 1e-5;

let backend: Promise<Backend> | undefined;
/** One shared CPU backend for the whole test file. */
export function cpu(): Promise<Backend> {
  return (backend ??= createCpuBackend());
}

export interface RnnkitResult {
  output: HostTensor;
  /** Final states per recurrent layer, in layer order. */
  states: { hN: HostTensor; cN?: HostTensor }[];
}

/** Runs rnnkit's forward on the CPU backend and reads everything back. */
export async function runRnnkit(model: Model, input: HostTensor | TokenInput, opts: ForwardOptions = {}): Promise<RnnkitResult> {
  const be = await cpu();
  model.to(be); // a no-op when already there
  const pass = model.forward(input, opts);
  try {
    const read = async (t: { shape: readonly number[] } & object) => ({ data: await be.read(t as never), shape: [...t.shape] });
    return {
      output: await read(pass.output),
      states: await Promise.all(pass.states.map(async (s) => ({ hN: await read(s.hN), ...(s.cN ? { cN: await read(s.cN) } : {}) }))),
    };
  } finally {
    pass.dispose();
  }
}

export type Feed =
  | { float: Float32Array; shape: readonly number[] }
  | { int32: Int32Array; shape: readonly number[] }
  | { int64: BigInt64Array; shape: readonly number[] };

const sessions = new WeakMap<Uint8Array, Promise<ort.InferenceSession>>();

/** Runs ONNX bytes in onnxruntime-node (CPU) and returns every output as float32 host data. */
export async function runOrt(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, HostTensor>> {
  let s = sessions.get(bytes);
  if (!s) sessions.set(bytes, (s = ort.InferenceSession.create(bytes)));
  const session = await s;
  const t: Record<string, ort.Tensor> = {};
  for (const [k, f] of Object.entries(feeds)) {
    if ('float' in f) t[k] = new ort.Tensor('float32', f.float, [...f.shape]);
    else if ('int32' in f) t[k] = new ort.Tensor('int32', f.int32, [...f.shape]);
    else t[k] = new ort.Tensor('int64', f.int64, [...f.shape]);
  }
  const out = await session.run(t);
  const res: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(out)) res[k] = { data: v.data as Float32Array, shape: [...v.dims] };
  return res;
}

/** max |a − b|; Infinity on a shape mismatch or NaN. */
export function maxAbsDiff(a: HostTensor, b: HostTensor): number {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]) || a.data.length !== b.data.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Compares rnnkit's output and states with onnxruntime's `output`, `h_n`, `c_n` (and `h_n_l{i}` for later layers). */
export function compareAll(rk: RnnkitResult, ox: Record<string, HostTensor>, recurrentLayers: number[] = []): number {
  let m = maxAbsDiff(rk.output, ox.output);
  rk.states.forEach((s, k) => {
    const sfx = k === 0 ? '' : `_l${recurrentLayers[k]}`;
    m = Math.max(m, maxAbsDiff(s.hN, ox[`h_n${sfx}`]));
    if (s.cN) m = Math.max(m, maxAbsDiff(s.cN, ox[`c_n${sfx}`]));
  });
  return m;
}

/** Seeded normal-ish draws (sum of uniforms), so inputs are the same on every run. */
export function draws(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Float32Array.from({ length: n }, () => scale * (u() + u() + u() - 1.5) * 2);
}

/** Largest difference seen per test file, printed at the end (the README quotes these). */
export class DiffLog {
  private worst = 0;
  private where = '';
  private count = 0;
  add(name: string, d: number): void {
    this.count++;
    if (!(d <= this.worst)) {
      this.worst = d;
      this.where = name;
    }
  }
  summary(label: string): string {
    return `${label}: ${this.count} comparisons, max abs difference ${this.worst.toExponential(2)} (${this.where})`;
  }
}
