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
  | 'INVALID_FILE'
  /** A size from a spec, a file or an argument is over one of the limits (see `Limits`); nothing was allocated. */
  | 'LIMIT_EXCEEDED'
  /** Training met a non-finite loss or gradient norm; the step was not applied (see `FitOptions.nonFinite`). */
  | 'TRAINING_DIVERGED'
  /** The model is already in a training call; calls that change its parameters wait for it to end. */
  | 'BUSY';

/**
 * The one error type rnnkit's public API throws (or rejects with). `code` says what went wrong
 * (see `RnnkitErrorCode`; docs/reliability.md lists every code and what to do about it),
 * `argument` names the argument or field at fault, and the message reads
 * `argument: expected …, got …`. An engine's own error (a device error, a wasm trap) arrives as
 * `BACKEND_FAILURE` with the original as `cause`. A call that throws leaves models, optimizers and
 * backends as they were before it.
 *
 * ```ts
 * try {
 *   await model.predict(x);
 * } catch (e) {
 *   if (isRnnkitError(e) && e.code === 'SHAPE_MISMATCH') console.error(e.argument, e.message);
 *   else throw e;
 * }
 * ```
 */
export class RnnkitError extends Error {
  /** What went wrong, stable across versions: branch on this, not on the message. */
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

/** True when `e` is an `RnnkitError` (a type guard for `catch` blocks). */
export function isRnnkitError(e: unknown): e is RnnkitError {
  return e instanceof RnnkitError;
}

/** Longest string an error message quotes in full; longer ones are cut (`…` and their length). */
export const MAX_QUOTED_CHARS = 120;

/** `s` cut to `max` characters for a message: the head, `…`, and how long it was. */
export function shorten(s: string, max = MAX_QUOTED_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars)`;
}

/** A string quoted for a message (JSON-escaped), cut to MAX_QUOTED_CHARS: names from files may be huge. */
export function quote(s: string): string {
  return s.length <= MAX_QUOTED_CHARS ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, MAX_QUOTED_CHARS))}… (${s.length} chars)`;
}

/** Formats a value for an error message without dumping large arrays or long strings. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'bigint') return `${shorten(String(value), 40)}n (a BigInt)`;
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) {
    const head = value.slice(0, 8).map(describe).join(', ');
    return `[${head}${value.length > 8 ? `, … (${value.length} items)` : ''}]`;
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  if (typeof value === 'object') return `object`;
  return String(value);
}

/**
 * Any error as an RnnkitError: RnnkitErrors pass through; anything else (an engine's RangeError,
 * an allocation failure) becomes BACKEND_FAILURE naming `where`, with the original as `cause`.
 */
export function asRnnkitError(e: unknown, where: string): RnnkitError {
  if (e instanceof RnnkitError) return e;
  const what = e instanceof Error ? `${e.name}: ${shorten(e.message, 300)}` : shorten(String(e), 300);
  return new RnnkitError('BACKEND_FAILURE', `${where}: the backend failed (${what})`, { argument: where, cause: e });
}

/** `v` must be a plain object (not null, not an array): INVALID_ARGUMENT naming `argument` otherwise. */
export function checkObject(v: unknown, argument: string, expected: string): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected ${expected}, got ${describe(v)}`, { argument });
}

/** `v` must be a shape (an array of non-negative safe integers): INVALID_ARGUMENT naming `argument` otherwise. */
export function checkShapeList(v: unknown, argument = 'shape'): void {
  if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected a list of non-negative integers, got ${describe(v)}`, { argument });
}

export function fail(code: RnnkitErrorCode, argument: string, expected: string, actual: unknown): never {
  throw new RnnkitError(code, `${argument}: expected ${expected}, got ${describe(actual)}`, { argument });
}

/** What a value is, by type name for typed arrays and arrays (`Float64Array`, `an array`), for "expected X, got Y". */
function typeName(v: unknown): string {
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return `an array (${v.length} items)`;
  return describe(v);
}

/**
 * The error for host data that is not `{ data: Float32Array, shape }`, saying what to pass: a
 * `{ data: Float64Array, shape }` gets "`x.data`: expected Float32Array (convert with
 * Float32Array.from(x)), got Float64Array"; bare data without a shape is told to wrap it.
 */
export function hostDataError(argument: string, v: unknown, alternatives = ''): RnnkitError {
  if (v !== null && typeof v === 'object' && 'data' in v && 'shape' in v) {
    const d = (v as { data: unknown }).data;
    return new RnnkitError('INVALID_ARGUMENT', `${argument}.data: expected Float32Array (convert with Float32Array.from(x)), got ${typeName(d)}`, {
      argument: `${argument}.data`,
    });
  }
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    return new RnnkitError(
      'INVALID_ARGUMENT',
      `${argument}: expected { data: Float32Array, shape }${alternatives} (wrap it: { data: Float32Array.from(x), shape: [...] }), got ${typeName(v)}`,
      { argument },
    );
  }
  return new RnnkitError('INVALID_ARGUMENT', `${argument}: expected { data: Float32Array, shape }${alternatives}, got ${describe(v)}`, { argument });
}
