import type { Backend, Tensor } from '@rnnkit/core';
import { Rng } from '@rnnkit/core';
import { randomArray } from '@rnnkit/core/testing';
import type { TfjsBackend, TfjsEngineKind } from '../src/index.js';
import { createTfjsBackend } from '../src/index.js';

/** The engines that start on these machines (tfjs-node's native library is not installable here). */
export const ENGINES: TfjsEngineKind[] = ['wasm', 'cpu'];

const cache = new Map<TfjsEngineKind, Promise<TfjsBackend>>();
export function backendFor(kind: TfjsEngineKind): Promise<TfjsBackend> {
  let p = cache.get(kind);
  if (!p) cache.set(kind, (p = createTfjsBackend({ engine: kind })));
  return p;
}

/** tf.memory().numTensors: every tf.Tensor alive in the process, ours or not. */
export function tfTensors(be: TfjsBackend): number {
  return be.tf.memory().numTensors;
}

/** Deterministic values in [-1, 1): core's shared test inputs. */
export function rand(n: number, seed: number): Float32Array {
  return randomArray(new Rng(seed), n);
}

/** Largest absolute difference (stricter than core's `maxElementError`, which is relative above 1); NaN or a length mismatch gives Infinity. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export async function readAll(be: Backend, ts: Record<string, Tensor | undefined>): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(ts)) if (t) out[k] = await be.read(t);
  return out;
}
