import { fail } from '../errors.js';
import { Rng } from '../util/rng.js';
import type { RowRecord } from './rows.js';
import { recordRowCount, takeRecordRows } from './rows.js';
import { positiveInteger } from './series.js';

/** Mixes a seed and an epoch number into one 32-bit seed, so every epoch gets its own order. */
function epochSeed(seed: number, epoch: number): number {
  let h = Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(epoch | 0, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 13)) | 0;
}

function integer(v: unknown, argument: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail('INVALID_ARGUMENT', argument, 'an integer', v);
  return v;
}

/** A seeded permutation of 0..n-1 (Fisher–Yates on the host generator): the same seed gives the same order everywhere. */
export function shuffledIndices(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) fail('INVALID_ARGUMENT', 'n', 'a non-negative integer', n);
  const rng = new Rng(integer(seed, 'seed'));
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

/** Options of `iterateBatches` and `batchCount`. */
export interface BatchOptions {
  /** Rows per batch, a positive integer; the last batch holds what is left. */
  batchSize: number;
  /** Visit rows in a seeded random order (default false: in order). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /** Epoch number mixed into the seed, so each epoch has its own order with one seed (default 0). */
  epoch?: number;
  /** Skip the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
}

/** One batch: every field of the data cut to the batch's rows, plus which rows they were. */
export type Batch<T extends RowRecord> = T & {
  /** Row numbers of this batch in the original data, in batch order (shuffled when the batches are). */
  readonly indices: Int32Array;
};

/**
 * Cuts a dataset of named fields — e.g. `{ x, y, lengths }` from `createSequences` or
 * `padSequences` — into batches along the first axis. Every field keeps its kind (a HostTensor
 * stays a HostTensor, `lengths` stays an Int32Array), so a batch of padded sequences carries
 * its own lengths. All fields are checked up front to have the same number of rows.
 *
 * ```ts
 * for (const b of iterateBatches({ x, y, lengths }, { batchSize: 32, shuffle: true, seed: 1, epoch })) {
 *   model.forward(b.x, { lengths: b.lengths });
 * }
 * ```
 */
export function iterateBatches<T extends RowRecord>(data: T, options: BatchOptions): Generator<Batch<T>, void, undefined> {
  // Checked here, not on the first next(), so a bad call fails where it is made.
  const { order, batchSize, count } = planBatches(data, options);
  return (function* () {
    for (let b = 0; b < count; b++) {
      const indices = order.slice(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
      yield { ...takeRecordRows(data, indices), indices };
    }
  })();
}

/** Number of batches `iterateBatches` yields for these data and options. */
export function batchCount(data: RowRecord, options: BatchOptions): number {
  return planBatches(data, options).count;
}

function planBatches(data: RowRecord, options: BatchOptions): { order: Int32Array; batchSize: number; count: number } {
  if (options === null || typeof options !== 'object') fail('INVALID_ARGUMENT', 'options', '{ batchSize, shuffle?, seed?, epoch?, dropLast? }', options);
  const batchSize = positiveInteger(options.batchSize, 'batchSize');
  const n = recordRowCount(data, 'data');
  const shuffle = options.shuffle ?? false;
  if (typeof shuffle !== 'boolean') fail('INVALID_ARGUMENT', 'shuffle', 'a boolean', shuffle);
  const seed = integer(options.seed ?? 0, 'seed');
  const epoch = integer(options.epoch ?? 0, 'epoch');
  let order: Int32Array;
  if (shuffle) {
    order = shuffledIndices(n, epochSeed(seed, epoch));
  } else {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  const count = options.dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  return { order, batchSize, count };
}
