import { Rng, isRnnkitError } from '@rnnkit/core';
import type { RnnkitErrorCode } from '@rnnkit/core';
import { expect } from 'vitest';

export function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.range(lo, hi);
  return a;
}

/** Largest |a_i − b_i| / max(1, |b_i|): absolute near zero, relative for large values. */
export function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let m = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(e <= m)) m = e; // NaN wins
  }
  return m;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label = ''): void {
  const e = maxError(actual, expected);
  expect(e, `${label}: max error ${e}`).toBeLessThanOrEqual(tol);
}

/** Expects fn to throw an RnnkitError with `code` whose message contains every fragment. */
export function expectError(fn: () => unknown, code: RnnkitErrorCode, ...fragments: string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeDefined();
  expect(isRnnkitError(err), String(err)).toBe(true);
  if (isRnnkitError(err)) {
    expect(err.code, err.message).toBe(code);
    for (const f of fragments) expect(err.message).toContain(f);
  }
}
