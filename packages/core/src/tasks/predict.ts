import { describe, RnnkitError } from '../errors.js';
import type { Lengths, Model, SequenceInput, TokenInput } from '../model/model.js';
import { checkModel } from '../model/model.js';
import { formatShape } from '../tensor.js';
import { modelBatchFirst } from '../train/objective.js';

/** Arg-max of each row of [rows, C] host data. */
export function argmaxRows(data: Float32Array, C: number): Int32Array {
  const rows = data.length / C;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (data[r * C + c] > data[r * C + best]) best = c;
    out[r] = best;
  }
  return out;
}

/**
 * Many-to-one classification: the arg-max class of each sequence, from a model whose output is
 * `[B, C]` logits (see `manyToOne`). `x` is in the model's layout.
 */
export async function predictClasses(model: Model, x: SequenceInput | TokenInput, o: { lengths?: Lengths } = {}): Promise<Int32Array> {
  checkModel(model);
  if (o === null || typeof o !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected { lengths }, got ${describe(o)}`, { argument: 'options' });
  const out = await model.predict(x, o.lengths ? { lengths: o.lengths } : {});
  if (out.shape.length !== 2)
    throw new RnnkitError('UNSUPPORTED', `model: predictClasses expects an output [B, C] (a many-to-one model), got ${formatShape(out.shape)}`, {
      argument: 'model',
    });
  return argmaxRows(out.data, out.shape[1]);
}

/**
 * Many-to-many tagging: the arg-max tag of every valid step, one array per sequence (trimmed to
 * its length), from a model whose output is `[B, T, C]` (or `[T, B, C]`; see `manyToMany`).
 */
export async function tagSequences(model: Model, x: SequenceInput | TokenInput, o: { lengths?: Lengths } = {}): Promise<number[][]> {
  checkModel(model);
  if (o === null || typeof o !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected { lengths }, got ${describe(o)}`, { argument: 'options' });
  const out = await model.predict(x, o.lengths ? { lengths: o.lengths } : {});
  if (out.shape.length !== 3)
    throw new RnnkitError('UNSUPPORTED', `model: tagSequences expects a per-step output [B, T, C] (a many-to-many model), got ${formatShape(out.shape)}`, {
      argument: 'model',
    });
  const bf = modelBatchFirst(model);
  const [B, T, C] = bf ? [out.shape[0], out.shape[1], out.shape[2]] : [out.shape[1], out.shape[0], out.shape[2]];
  const tags = argmaxRows(out.data, C);
  const res: number[][] = [];
  for (let b = 0; b < B; b++) {
    const L = o.lengths ? Number(o.lengths[b]) : T;
    const row: number[] = [];
    for (let t = 0; t < L; t++) row.push(tags[bf ? b * T + t : t * B + b]);
    res.push(row);
  }
  return res;
}
