export { batchToTimeMajor, lastStepRows, reverseWithinLengths, timeToBatchMajor } from '../src/backend/index.js';
export * from '../src/index.js';
export { checkRecurrentInputs } from '../src/model/validate_inputs.js';

import { variantSpec } from '../src/testing/conformance.js';
/** A small GRU spec (D=3, H=4, batchFirst) for input-check tests. */
export const variantSpecForTest = () => variantSpec('gru');

import { expect } from 'vitest';
import { RnnkitError } from '../src/errors.js';

/** The RnnkitError `f` throws (the test fails if it throws anything else, or nothing). */
export function thrown(f: () => unknown): RnnkitError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RnnkitError);
    return e as RnnkitError;
  }
  throw new Error('expected a throw');
}

/** The RnnkitError the promise from `f` rejects with. */
export async function rejected(f: () => Promise<unknown>): Promise<RnnkitError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(RnnkitError);
    return e as RnnkitError;
  }
  throw new Error('expected a throw');
}
