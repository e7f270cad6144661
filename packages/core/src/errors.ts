/**
 * Every error rnnkit throws on purpose is an `RnnkitError` with a stable `code`, so callers can
 * branch on `err.code` rather than on message text. Messages name the argument, what was
 * expected and what was received.
 */
export type RnnkitErrorCode =
  | 'INVALID_ARGUMENT'
  | 'SHAPE_MISMATCH'
  | 'INVALID_LENGTHS'
  | 'STATE_SHAPE_MISMATCH'
  | 'UNKNOWN_CELL'
  | 'NON_FINITE'
  | 'INVALID_SPEC'
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_MISMATCH'
  /** The backend's device reported an error (GPU validation, out of memory); results since are not trustworthy. */
  | 'BACKEND_FAILURE'
  | 'DISPOSED'
  | 'UNSUPPORTED'
  | 'INVALID_FILE';

export class RnnkitError extends Error {
  readonly code: RnnkitErrorCode;
  /** The argument or field at fault, e.g. `x`, `lengths[2]`, `layers[0].hiddenSize`. */
  readonly argument: string | undefined;
  constructor(code: RnnkitErrorCode, message: string, options: { argument?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RnnkitError';
    this.code = code;
    this.argument = options.argument;
  }
}

export function isRnnkitError(e: unknown): e is RnnkitError {
  return e instanceof RnnkitError;
}

/** Formats a value for an error message without dumping large arrays. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const head = value.slice(0, 8).map(describe).join(', ');
    return `[${head}${value.length > 8 ? `, … (${value.length} items)` : ''}]`;
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  if (typeof value === 'object') return `object`;
  return String(value);
}

export function fail(code: RnnkitErrorCode, argument: string, expected: string, actual: unknown): never {
  throw new RnnkitError(code, `${argument}: expected ${expected}, got ${describe(actual)}`, { argument });
}
