import { isRnnkitError } from '@rnnkit/core';
import { maxElementError } from '@rnnkit/core/testing';
import type { RnnkitErrorCode } from '@rnnkit/core';
import { expect } from 'vitest';

/** Shared with every backend's suite (`@rnnkit/core/testing`). */
export { randomArray, maxElementError as maxError } from '@rnnkit/core/testing';

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label = ''): void {
  const e = maxElementError(actual, expected);
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
