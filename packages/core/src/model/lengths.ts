import { describe, RnnkitError } from '../errors.js';

/**
 * Per-sequence lengths as a caller may hold them: an `Int32Array`, a `number[]` (any array-like
 * of numbers), or a `BigInt64Array` — what PyTorch's int64 `lengths` tensors become when read
 * from a file. Every entry is checked against the sequence length before use; bigints are
 * compared as bigints, so a huge value is refused, never wrapped.
 */
export type Lengths = ArrayLike<number> | BigInt64Array;

/**
 * `l` checked as `n` lengths, each an integer in 1..max (`max` undefined: no upper bound but
 * int32), as an Int32Array. Throws INVALID_LENGTHS naming `argument` (and the entry) otherwise;
 * `count` says what the `n` entries are for.
 */
export function readLengths(l: unknown, n: number, max: number | undefined, argument: string, count: string): Int32Array {
  const kind =
    l instanceof BigInt64Array || l instanceof Int32Array || Array.isArray(l) || (ArrayBuffer.isView(l) && !(l instanceof DataView))
      ? (l as ArrayLike<unknown>)
      : undefined;
  if (kind === undefined) {
    throw new RnnkitError('INVALID_LENGTHS', `${argument}: expected ${n} lengths (${count}) as an Int32Array, number[] or BigInt64Array, got ${describe(l)}`, {
      argument,
    });
  }
  if (kind.length !== n) {
    throw new RnnkitError('INVALID_LENGTHS', `${argument}: expected ${n} entries (${count}), got ${kind.length} entries`, { argument });
  }
  const top = max ?? 0x7fffffff;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = kind[i];
    const ok = typeof v === 'bigint' ? v >= 1n && v <= BigInt(top) : typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= top;
    if (!ok) {
      const range = max === undefined ? 'a positive integer' : `an integer in 1..${max} (the sequence length)`;
      throw new RnnkitError('INVALID_LENGTHS', `${argument}[${i}]: expected ${range}, got ${describe(v)}`, { argument: `${argument}[${i}]` });
    }
    out[i] = Number(v);
  }
  return out;
}
