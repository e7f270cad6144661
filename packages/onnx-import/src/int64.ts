/**
 * int64 fields decode to `bigint`. This turns one into a JS number; magnitudes past 2^53 lose
 * precision, which only matters for sentinels such as Slice's INT64_MAX "to the end", and stay
 * far out of every valid range. Anything that is not an integer reads as NaN.
 */
export function int64ToNumber(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return Number.NaN;
}
