import { fail, RnnkitError } from '../errors.js';
import { shuffledIndices } from './batches.js';
import type { RowRecord, RowSource } from './rows.js';
import { recordRowCount, rowCount, takeRecordRows, takeRows } from './rows.js';

/** Options of `trainValidationSplit`. */
export interface SplitOptions {
  /** Share of rows for validation, in (0, 1) (default 0.2). Rounded to the nearest row, at least one on each side. */
  validationFraction?: number;
  /** Exact number of validation rows instead of a fraction. */
  validationSize?: number;
  /**
   * false (default): the last rows are the validation set, as forecasting needs (no future
   * data in training). true: a seeded random split, for independent examples.
   */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /**
   * Without shuffle only: the validation part also starts with this many training rows, as
   * context. Splitting a raw series with `overlap: window` and then windowing each part makes
   * every validation target a step after the training data, each predicted once.
   */
  overlap?: number;
}

/** The two parts of `trainValidationSplit`, of the same kind as its input. */
export interface Split<T> {
  /** The rows to train on. */
  train: T;
  /** The held-out rows (pass as `fit`'s `validation`). */
  validation: T;
}

type Splittable = RowSource | RowRecord;

function isRecord(v: unknown): v is RowRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !('shape' in v);
}

/**
 * Splits data into training and validation rows: a series (`number[]`, `number[][]`, a typed
 * array), a tensor or token ids along the first axis, or a record of such fields (e.g.
 * `{ x, y, lengths }`) cut consistently.
 */
export function trainValidationSplit<T extends Splittable>(data: T, options: SplitOptions = {}): Split<T> {
  if (options === null || typeof options !== 'object')
    fail('INVALID_ARGUMENT', 'options', '{ validationFraction?, validationSize?, shuffle?, seed?, overlap? }', options);
  const n = isRecord(data) ? recordRowCount(data, 'data') : rowCount(data as RowSource, 'data');
  if (n < 2) fail('INVALID_ARGUMENT', 'data', 'at least 2 rows (one for each side)', `${n} rows`);
  let nVal: number;
  if (options.validationSize !== undefined) {
    if (options.validationFraction !== undefined) fail('INVALID_ARGUMENT', 'options', 'validationFraction or validationSize, not both', options);
    const v = options.validationSize;
    if (!Number.isInteger(v) || v < 1 || v > n - 1) fail('INVALID_ARGUMENT', 'validationSize', `an integer in 1..${n - 1}`, v);
    nVal = v;
  } else {
    const f = options.validationFraction ?? 0.2;
    if (typeof f !== 'number' || !(f > 0 && f < 1)) fail('INVALID_ARGUMENT', 'validationFraction', 'a number in (0, 1)', f);
    nVal = Math.min(n - 1, Math.max(1, Math.round(n * f)));
  }
  const shuffle = options.shuffle ?? false;
  if (typeof shuffle !== 'boolean') fail('INVALID_ARGUMENT', 'shuffle', 'a boolean', shuffle);
  const overlap = options.overlap ?? 0;
  if (!Number.isInteger(overlap) || overlap < 0) fail('INVALID_ARGUMENT', 'overlap', 'a non-negative integer', overlap);
  if (overlap > 0 && shuffle) {
    throw new RnnkitError('INVALID_ARGUMENT', `overlap: expected 0 with shuffle: true (overlap is context for an ordered series), got ${overlap}`, {
      argument: 'overlap',
    });
  }
  const nTrain = n - nVal;
  if (overlap > nTrain) fail('INVALID_ARGUMENT', 'overlap', `at most ${nTrain} (the training rows)`, overlap);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) fail('INVALID_ARGUMENT', 'seed', 'an integer', seed);
  const order = shuffle ? shuffledIndices(n, seed) : Int32Array.from({ length: n }, (_, i) => i);
  const trainIdx = order.subarray(0, nTrain);
  const valIdx = order.subarray(nTrain - overlap);
  const take = (idx: Int32Array): T => (isRecord(data) ? takeRecordRows(data, idx) : takeRows(data as RowSource, idx)) as T;
  return { train: take(trainIdx), validation: take(valIdx) };
}
