import type { RnnkitErrorCode } from '../../errors.js';
import { isRnnkitError } from '../../errors.js';
import { maxElementError } from '../numeric.js';

/** A failed kit check. Plain Error: the kit has no test-framework dependency. */
export class KitAssertionError extends Error {
  /** Always `KitAssertionError`. */
  override name = 'KitAssertionError';
}

/** Throws a `KitAssertionError` with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new KitAssertionError(message);
}

/** Largest per-element error (|Δ| / max(1, |expected|)) must be ≤ tol. */
export function checkClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  const e = maxElementError(actual, expected);
  check(e <= tol, `${label}: max element error ${e} > ${tol} (lengths ${actual.length}, ${expected.length})`);
}

export function checkShape(actual: readonly number[], expected: readonly number[], label: string): void {
  check(
    actual.length === expected.length && actual.every((d, i) => d === expected[i]),
    `${label}: shape [${actual.join(', ')}], expected [${expected.join(', ')}]`,
  );
}

/**
 * Runs fn (sync or async) and requires an RnnkitError with `code` whose message contains every
 * fragment; returns the error for further checks.
 */
export async function expectRnnkitError(fn: () => unknown, code: RnnkitErrorCode, ...fragments: string[]) {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  check(err !== undefined, `expected an RnnkitError ${code}, but nothing was thrown`);
  check(isRnnkitError(err), `expected an RnnkitError ${code}, got ${String(err)}`);
  check(err.code === code, `expected code ${code}, got ${err.code}: ${err.message}`);
  for (const f of fragments) check(err.message.includes(f), `expected the message to contain ${JSON.stringify(f)}: ${err.message}`);
  return err;
}
