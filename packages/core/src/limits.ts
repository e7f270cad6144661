import { describe, RnnkitError } from './errors.js';

/**
 * Limits checked before anything is allocated, for every size that comes from a spec, a file or
 * an argument. The defaults are far above any honest model (docs/reliability.md gives the
 * reasoning); raise one per call with `limits: { … }` where a real model needs it. Exceeding one
 * is an `RnnkitError` with code `LIMIT_EXCEEDED`, thrown before the allocation it guards.
 */
export interface Limits {
  /** Parameters of one model, all tensors together. Default 2^28 = 268,435,456 (1 GiB of float32). */
  maxParameters: number;
  /**
   * Elements of any one tensor: a parameter, a forward's input, an activation a forward makes.
   * Default 2^30 = 1,073,741,824 (4 GiB of float32).
   */
  maxTensorElements: number;
  /**
   * Bytes one call may make, estimated before it starts: a forward's input and activations
   * (twice for training), a file's weights as float32. Default 2^35 (32 GiB).
   */
  maxCallBytes: number;
  /** Layers of a spec, counting each of a recurrent layer's `numLayers` and directions. Default 4,096. */
  maxLayers: number;
  /** A safetensors header's length in bytes. Default 100,000,000 (the reference reader's cap). */
  maxHeaderBytes: number;
  /** Entries of a safetensors header: tensors plus `__metadata__` keys. Default 65,536. */
  maxHeaderEntries: number;
  /** JSON values of a safetensors header (keys, numbers, strings, arrays, objects). Default 2^20 = 1,048,576. */
  maxHeaderValues: number;
  /** UTF-8 bytes of one tensor name or metadata key in a file. Default 1,024. */
  maxNameBytes: number;
}

/**
 * The limits a model, a forward call or a safetensors parse uses when none are given: generous
 * for real models, small enough that a hostile size fails before allocation. Frozen; pass a
 * partial `Limits` to override single values.
 */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxParameters: 2 ** 28,
  maxTensorElements: 2 ** 30,
  maxCallBytes: 2 ** 35,
  maxLayers: 4096,
  maxHeaderBytes: 100_000_000,
  maxHeaderEntries: 65_536,
  maxHeaderValues: 2 ** 20,
  maxNameBytes: 1024,
});

const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/**
 * `given` (a partial `Limits`, or undefined) over `base`. Every value must be a positive integer
 * or Infinity (no limit); unknown keys are refused, so a misspelt limit doesn't pass silently.
 */
export function resolveLimits(given: unknown, argument = 'limits', base: Readonly<Limits> = DEFAULT_LIMITS): Readonly<Limits> {
  if (given === undefined) return base;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected an object of limits (${LIMIT_NAMES.join(', ')}), got ${describe(given)}`, { argument });
  }
  const out: Limits = { ...base };
  for (const [k, v] of Object.entries(given as Record<string, unknown>)) {
    if (!LIMIT_NAMES.includes(k as keyof Limits)) {
      throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected only the keys ${LIMIT_NAMES.join(', ')}, got ${describe(k)}`, {
        argument: `${argument}.${k.slice(0, 60)}`,
      });
    }
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v === Infinity || (Number.isSafeInteger(v) && v >= 1))) {
      throw new RnnkitError('INVALID_ARGUMENT', `${argument}.${k}: expected a positive integer or Infinity, got ${describe(v)}`, {
        argument: `${argument}.${k}`,
      });
    }
    out[k as keyof Limits] = v;
  }
  return Object.freeze(out);
}

/** Throws LIMIT_EXCEEDED: `argument: expected at most <limit> <what> (limits.<name>), got <actual>[; detail]`. */
export function limitExceeded(argument: string, name: keyof Limits | string, limit: number, what: string, actual: number | string, detail = ''): never {
  const got = typeof actual === 'number' ? formatCount(actual) : actual;
  throw new RnnkitError(
    'LIMIT_EXCEEDED',
    `${argument}: expected at most ${formatCount(limit)} ${what} (limits.${name}), got ${got}${detail ? `; ${detail}` : ''}`,
    { argument },
  );
}

/** A count for messages: exact below 1e15, else in exponent form. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n < 1e15 ? String(n) : n.toExponential(3);
}

/** Throws LIMIT_EXCEEDED when `value` > `limits[name]`. */
export function checkLimit(limits: Readonly<Limits>, name: keyof Limits, value: number, argument: string, what: string, detail = ''): void {
  if (!(value <= limits[name])) limitExceeded(argument, name, limits[name], what, value, detail);
}
