import { RnnkitError } from '@rnnkit/core';
import { describeValue as describe } from './errors.js';

/**
 * Bounds on what one import may build. Every size read from the file is checked against these
 * before anything of that size is allocated. The defaults are far above any recurrent model a
 * browser or Node process can train, and far below what would exhaust a process's memory.
 */
export interface ImportLimits {
  /** Largest tensor (initializer, Constant, or a folded constant), in elements. Default 2^28 (1 GiB of float32). */
  maxTensorElements: number;
  /** Most elements of all constants of one import together. Default 2^29. */
  maxTotalElements: number;
  /** Largest constant a node may generate beyond the size of its inputs (ConstantOfShape, Expand, broadcasting). Default 2^22. */
  maxGeneratedElements: number;
  /** Most nodes in the graph. Default 100 000. */
  maxNodes: number;
  /** Longest tensor rank. Default 8. */
  maxRank: number;
}

/** The default `ImportLimits` (frozen); `importOnnx(bytes, { limits })` overrides any of them for one call. */
export const DEFAULT_IMPORT_LIMITS: Readonly<ImportLimits> = Object.freeze({
  maxTensorElements: 2 ** 28,
  maxTotalElements: 2 ** 29,
  maxGeneratedElements: 2 ** 22,
  maxNodes: 100_000,
  maxRank: 8,
});

/** Fills in defaults and checks each given limit is a positive integer. */
export function resolveLimits(given: Partial<ImportLimits> | undefined, argument: string): ImportLimits {
  if (given === undefined) return { ...DEFAULT_IMPORT_LIMITS };
  if (given === null || typeof given !== 'object') {
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected an object of limits, got ${describe(given)}`, { argument });
  }
  const out = { ...DEFAULT_IMPORT_LIMITS };
  for (const [k, v] of Object.entries(given)) {
    if (!(k in DEFAULT_IMPORT_LIMITS)) {
      throw new RnnkitError('INVALID_ARGUMENT', `${argument}.${k}: expected one of ${Object.keys(DEFAULT_IMPORT_LIMITS).join(', ')}, got an unknown limit`, {
        argument: `${argument}.${k}`,
      });
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      throw new RnnkitError('INVALID_ARGUMENT', `${argument}.${k}: expected a positive integer, got ${describe(v)}`, { argument: `${argument}.${k}` });
    }
    out[k as keyof ImportLimits] = v;
  }
  return out;
}

/** Counts elements allocated by one import against `maxTensorElements` and `maxTotalElements`. */
export class ElementBudget {
  private used = 0;
  constructor(private readonly limits: ImportLimits) {}

  /** Call before allocating `count` elements for `what`; throws INVALID_FILE when over a limit. */
  take(count: number, what: string, argument: string): void {
    if (!(count <= this.limits.maxTensorElements)) {
      throw new RnnkitError(
        'INVALID_FILE',
        `${argument}: ${what} has ${count} elements, more than the limit of ${this.limits.maxTensorElements} (limits.maxTensorElements)`,
        { argument },
      );
    }
    if (!(this.used + count <= this.limits.maxTotalElements)) {
      throw new RnnkitError(
        'INVALID_FILE',
        `${argument}: ${what} brings the import to ${this.used + count} elements, more than the limit of ${this.limits.maxTotalElements} (limits.maxTotalElements)`,
        { argument },
      );
    }
    this.used += count;
  }
}
