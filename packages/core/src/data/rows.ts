import { describe, fail, RnnkitError } from '../errors.js';
import type { Shape } from '../tensor.js';
import { formatShape, sizeOf } from '../tensor.js';

/** A typed array a data field may hold. */
export type RowArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

/** A dense array with a shape whose first axis is the example (row) axis: a HostTensor or integer labels. */
export interface ShapedRows {
  /** The values, row-major; `data.length` is the product of `shape`. */
  readonly data: RowArray;
  /** `[N, …]`: N examples, each of the remaining axes' size. */
  readonly shape: Shape;
}

/** Integer ids with a shape: token ids `[N, T]` (what `padTokens` returns and a model's `TokenInput` takes) or class ids `[N]`. */
export interface TokenRows {
  /** The ids, row-major; `ids.length` is the product of `shape`. */
  readonly ids: Int32Array | readonly number[];
  /** `[N, T]` for token ids, `[N]` for class ids. */
  readonly shape: readonly number[];
}

/**
 * Anything that can be cut into examples along its first axis: a tensor-like `{data, shape}`,
 * token ids `{ids, shape}`, or one value per example (a typed array or a plain array, e.g.
 * `lengths` or class labels).
 */
export type RowSource = ShapedRows | TokenRows | RowArray | readonly unknown[];

function isTyped(v: unknown): v is RowArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}

function isShaped(v: unknown): v is ShapedRows {
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v && isTyped((v as ShapedRows).data) && Array.isArray((v as ShapedRows).shape);
}

function isTokens(v: unknown): v is TokenRows {
  return typeof v === 'object' && v !== null && 'ids' in v && 'shape' in v && Array.isArray((v as TokenRows).shape);
}

/** Checks a row source and returns its number of rows. */
export function rowCount(v: RowSource, argument = 'data'): number {
  if (isShaped(v)) {
    if (v.shape.length === 0) fail('SHAPE_MISMATCH', `${argument}.shape`, 'at least one axis (the example axis)', formatShape(v.shape));
    if (v.data.length !== sizeOf(v.shape)) {
      throw new RnnkitError('SHAPE_MISMATCH', `${argument}: data has ${v.data.length} values but shape ${formatShape(v.shape)} needs ${sizeOf(v.shape)}`, {
        argument,
      });
    }
    return v.shape[0];
  }
  if (isTokens(v)) {
    if (v.shape.length === 0) fail('SHAPE_MISMATCH', `${argument}.shape`, 'at least one axis (the example axis), e.g. [rows, steps]', formatShape(v.shape));
    if (v.ids.length !== sizeOf(v.shape)) {
      throw new RnnkitError('SHAPE_MISMATCH', `${argument}: ids has ${v.ids.length} values but shape ${formatShape(v.shape)} needs ${sizeOf(v.shape)}`, {
        argument,
      });
    }
    return v.shape[0];
  }
  if (isTyped(v) || Array.isArray(v)) return v.length;
  return fail('INVALID_ARGUMENT', argument, '{data, shape}, {ids, shape}, a typed array or an array', v);
}

function gather<A extends RowArray | readonly unknown[]>(src: A, rowSize: number, indices: ArrayLike<number>): A {
  const n = indices.length * rowSize;
  if (Array.isArray(src)) {
    const out: unknown[] = new Array(n);
    for (let i = 0; i < indices.length; i++) for (let j = 0; j < rowSize; j++) out[i * rowSize + j] = src[indices[i] * rowSize + j];
    return out as unknown as A;
  }
  const typed = src as RowArray;
  const out = new (typed.constructor as new (n: number) => RowArray)(n);
  for (let i = 0; i < indices.length; i++) {
    const s = indices[i] * rowSize;
    out.set(typed.subarray(s, s + rowSize), i * rowSize);
  }
  return out as A;
}

/**
 * Rows `indices` of a row source, as a new source of the same kind (copies). Shapes keep every
 * axis but the first, which becomes `indices.length`.
 */
export function takeRows<T extends RowSource>(v: T, indices: ArrayLike<number>, argument = 'data'): T {
  const n = rowCount(v, argument);
  if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number')
    fail('INVALID_ARGUMENT', 'indices', 'an array of row indices', indices);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= n) fail('INVALID_ARGUMENT', `indices[${i}]`, `a row index in 0..${n - 1}`, r);
  }
  if (isShaped(v)) {
    const rowSize = n === 0 ? 0 : v.data.length / n;
    return { ...v, data: gather(v.data, rowSize, indices), shape: [indices.length, ...v.shape.slice(1)] } as T;
  }
  if (isTokens(v)) {
    const rowSize = sizeOf(v.shape.slice(1));
    return { ...v, ids: gather(v.ids, rowSize, indices), shape: [indices.length, ...v.shape.slice(1)] } as T;
  }
  return gather(v as RowArray | readonly unknown[], 1, indices) as T;
}

/** Rows `start` (inclusive) to `end` (exclusive) of a row source; negative bounds count from the end, like `Array.slice`. */
export function sliceRows<T extends RowSource>(v: T, start: number, end?: number, argument = 'data'): T {
  const n = rowCount(v, argument);
  for (const [k, v2] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (v2 !== undefined && !(typeof v2 === 'number' && Number.isInteger(v2))) fail('INVALID_ARGUMENT', k, 'an integer row index', v2);
  }
  const norm = (i: number) => (i < 0 ? Math.max(0, n + i) : Math.min(i, n));
  const a = norm(start);
  const b = end === undefined ? n : norm(end);
  const idx = new Int32Array(Math.max(0, b - a));
  for (let i = 0; i < idx.length; i++) idx[i] = a + i;
  return takeRows(v, idx, argument);
}

/** A dataset as named fields cut together, e.g. `{ x, y, lengths }`; undefined fields are carried as they are. */
export type RowRecord = Readonly<Record<string, RowSource | undefined>>;

/** Checks that every field of a record has the same number of rows and returns it. */
export function recordRowCount(data: RowRecord, argument = 'data'): number {
  if (data === null || typeof data !== 'object') fail('INVALID_ARGUMENT', argument, 'an object of row sources such as { x, y, lengths }', data);
  const keys = Object.keys(data).filter((k) => data[k] !== undefined);
  if (keys.length === 0) fail('INVALID_ARGUMENT', argument, 'at least one field such as x', describe(Object.keys(data)));
  let n = -1;
  let first = '';
  for (const k of keys) {
    const m = rowCount(data[k]!, `${argument}.${k}`);
    if (n < 0) {
      n = m;
      first = k;
    } else if (m !== n) {
      throw new RnnkitError('SHAPE_MISMATCH', `${argument}.${k}: expected ${n} rows (like ${argument}.${first}), got ${m}`, { argument: `${argument}.${k}` });
    }
  }
  return n;
}

/**
 * Rows `indices` of every field of a record, cut together (copies, as `takeRows`); undefined
 * fields stay undefined. `argument` names the record in errors (`data.x`, …).
 * @throws RnnkitError INVALID_ARGUMENT for a field that is not a row source or an index out of a field's rows
 */
export function takeRecordRows<T extends RowRecord>(data: T, indices: ArrayLike<number>, argument = 'data'): T {
  const out: Record<string, RowSource | undefined> = {};
  for (const k of Object.keys(data)) {
    const v = data[k];
    out[k] = v === undefined ? undefined : takeRows(v, indices, `${argument}.${k}`);
  }
  return out as T;
}
