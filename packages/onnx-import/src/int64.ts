/**
 * protobufjs decodes int64 fields to `Long` objects (low/high 32-bit halves) or plain numbers.
 * These turn either into a JS number; magnitudes past 2^53 lose precision, which only matters
 * for sentinels such as Slice's INT64_MAX "to the end", and stay far out of every valid range.
 */
interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

function isLongLike(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && typeof (v as LongLike).low === 'number' && typeof (v as LongLike).high === 'number';
}

export function int64ToNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (isLongLike(v)) {
    const high = v.unsigned ? v.high >>> 0 : v.high | 0;
    return high * 4294967296 + (v.low >>> 0);
  }
  return Number.NaN;
}
