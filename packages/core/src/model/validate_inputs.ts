import { hasCellState } from '../cells.js';
import { describe, RnnkitError } from '../errors.js';
import type { RecurrentSpec } from '../graph/spec.js';
import { numDirections } from '../graph/spec.js';
import type { Shape } from '../tensor.js';
import { formatShape, shapeEquals } from '../tensor.js';
import type { Lengths } from './lengths.js';
import { readLengths } from './lengths.js';

/** Longest sequence a single call accepts unless the caller raises it. */
export const DEFAULT_MAX_SEQUENCE_LENGTH = 100_000;

export interface CheckedSequence {
  T: number;
  B: number;
  /** Validated lengths, or undefined when every sequence spans all T steps. */
  lengths?: Int32Array;
}

/**
 * Checks a recurrent layer's input and options before anything runs, so a bad call changes
 * nothing. Throws RnnkitError naming the argument, the expected and the actual value.
 */
export function checkRecurrentInputs(
  spec: RecurrentSpec,
  xShape: Shape,
  opts: { lengths?: Lengths | undefined; h0Shape?: Shape | undefined; c0Shape?: Shape | undefined; maxSequenceLength?: number | undefined },
  argument = 'x',
): CheckedSequence {
  const layout = spec.batchFirst ? '[batch, seq, features]' : '[seq, batch, features]';
  if (xShape.length !== 3) {
    throw new RnnkitError('SHAPE_MISMATCH', `${argument}: expected a rank-3 tensor ${layout}, got shape ${formatShape(xShape)}`, { argument });
  }
  const [d0, d1, D] = xShape;
  const [B, T] = spec.batchFirst ? [d0, d1] : [d1, d0];
  if (D !== spec.inputSize) {
    throw new RnnkitError(
      'SHAPE_MISMATCH',
      `${argument}: expected ${spec.inputSize} features (inputSize) in the last axis of ${layout}, got shape ${formatShape(xShape)}`,
      { argument },
    );
  }
  if (B < 1) throw new RnnkitError('SHAPE_MISMATCH', `${argument}: expected batch size ≥ 1 in ${layout}, got shape ${formatShape(xShape)}`, { argument });
  if (T < 1)
    throw new RnnkitError('SHAPE_MISMATCH', `${argument}: expected sequence length ≥ 1 (an empty sequence has no output), got shape ${formatShape(xShape)}`, {
      argument,
    });
  const maxT = opts.maxSequenceLength ?? DEFAULT_MAX_SEQUENCE_LENGTH;
  if (T > maxT) {
    throw new RnnkitError('SHAPE_MISMATCH', `${argument}: expected sequence length ≤ ${maxT} (maxSequenceLength), got ${T}`, { argument });
  }
  const stateShape = [spec.numLayers * numDirections(spec), B, spec.hiddenSize];
  if (opts.h0Shape && !shapeEquals(opts.h0Shape, stateShape)) {
    throw new RnnkitError(
      'STATE_SHAPE_MISMATCH',
      `h0: expected shape ${formatShape(stateShape)} [numLayers*numDirections, batch, hidden], got ${formatShape(opts.h0Shape)}`,
      { argument: 'h0' },
    );
  }
  if (opts.c0Shape) {
    if (!hasCellState(spec.cell)) {
      throw new RnnkitError('INVALID_ARGUMENT', `c0: only LSTM layers have a cell state, got c0 for cell ${describe(spec.cell)}`, { argument: 'c0' });
    }
    if (!shapeEquals(opts.c0Shape, stateShape)) {
      throw new RnnkitError(
        'STATE_SHAPE_MISMATCH',
        `c0: expected shape ${formatShape(stateShape)} [numLayers*numDirections, batch, hidden], got ${formatShape(opts.c0Shape)}`,
        { argument: 'c0' },
      );
    }
  }
  let lengths: Int32Array | undefined;
  if (opts.lengths !== undefined) {
    lengths = readLengths(opts.lengths, B, T, 'lengths', 'one per sequence in the batch');
    if (lengths.every((v) => v === T)) lengths = undefined;
  }
  return { T, B, ...(lengths ? { lengths } : {}) };
}

/** Throws NON_FINITE naming the argument and the first bad index when `data` holds NaN or ±Infinity. */
export function checkFinite(data: ArrayLike<number>, argument: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new RnnkitError('NON_FINITE', `${argument}: expected finite values, got ${describe(data[i])} at flat index ${i}`, { argument });
    }
  }
}
