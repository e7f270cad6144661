import type { Backend } from '../backend/backend.js';
import { RnnkitError, describe } from '../errors.js';
import type { ModelSpec, RecurrentSpec } from '../graph/spec.js';
import type { Shape } from '../tensor.js';
import { formatShape, sizeOf } from '../tensor.js';
import type { ForwardOptions, SequenceInput, TokenInput } from './forward_types.js';
import { isHost, isTensor } from './forward_types.js';
import { checkFinite, checkRecurrentInputs } from './validate_inputs.js';

/** What `checkForwardInputs` established: sizes, lengths and token ids, all checked. */
export interface CheckedForward {
  /** The first recurrent layer (its batchFirst decides the input layout), if any. */
  recurrent: RecurrentSpec | undefined;
  batchFirst: boolean;
  /** Token ids, for a model that starts with an embedding. */
  ids?: Int32Array;
  /** The input's shape as the first recurrent layer sees it (after an embedding or leading linear layers). */
  flowShape: Shape;
  T: number;
  B: number;
  lengths?: Int32Array;
}

/**
 * Every check of a forward call, before anything is uploaded: the input's kind, shape and
 * values (token ids in range; finite values when asked), initial states, lengths and the
 * feature sizes of leading linear layers. Throws RnnkitError naming the argument.
 */
export function checkForwardInputs(spec: ModelSpec, be: Backend, input: SequenceInput | TokenInput, opts: ForwardOptions): CheckedForward {
  const recurrent = spec.layers.find((l): l is RecurrentSpec => l.type === 'recurrent');
  const batchFirst = recurrent ? recurrent.batchFirst : true;
  const first = spec.layers[0];
  let flowShape: Shape;
  let ids: Int32Array | undefined;
  if (first.type === 'embedding') {
    ids = checkTokens(input, first.numEmbeddings);
    const shape = (input as TokenInput).shape;
    flowShape = [shape[0], shape[1], first.embeddingDim];
  } else {
    checkSequence(be, input as SequenceInput, 'input', opts);
    flowShape = (input as SequenceInput).shape;
  }
  checkState(be, opts.h0, 'h0', opts);
  checkState(be, opts.c0, 'c0', opts);
  // Linear layers before the first recurrent layer map features step by step.
  for (const l of spec.layers) {
    if (l.type === 'recurrent') break;
    if (l.type !== 'linear') continue;
    const F = flowShape[flowShape.length - 1];
    if (F !== l.inFeatures) {
      throw new RnnkitError('SHAPE_MISMATCH', `input: expected ${l.inFeatures} features in the last axis, got shape ${formatShape(flowShape)}`, { argument: 'input' });
    }
    flowShape = [...flowShape.slice(0, -1), l.outFeatures];
  }
  let checked: { T: number; B: number; lengths?: Int32Array } = { T: 0, B: 0 };
  if (recurrent) {
    checked = checkRecurrentInputs(
      recurrent,
      flowShape,
      {
        ...(opts.lengths !== undefined ? { lengths: opts.lengths } : {}),
        ...(opts.h0 ? { h0Shape: opts.h0.shape } : {}),
        ...(opts.c0 ? { c0Shape: opts.c0.shape } : {}),
        ...(opts.maxSequenceLength !== undefined ? { maxSequenceLength: opts.maxSequenceLength } : {}),
      },
      first.type === 'embedding' ? 'input (embedded)' : 'input',
    );
  }
  return { recurrent, batchFirst, ...(ids ? { ids } : {}), flowShape, ...checked };
}

/** Token ids {ids, shape: [batch, seq]}: every id an integer in 0..V−1. Returns them as Int32Array. */
function checkTokens(input: unknown, V: number): Int32Array {
  const tok = input as TokenInput;
  if (!tok || typeof tok !== 'object' || !('ids' in tok)) {
    throw new RnnkitError('INVALID_ARGUMENT', `input: expected token ids {ids, shape: [batch, seq]} for a model that starts with an embedding, got ${describe(input)}`, { argument: 'input' });
  }
  const shape = tok.shape;
  if (!Array.isArray(shape) || shape.length !== 2) throw new RnnkitError('SHAPE_MISMATCH', `input.shape: expected [batch, seq] (or [seq, batch]), got ${describe(shape)}`, { argument: 'input.shape' });
  if (tok.ids.length !== shape[0] * shape[1]) {
    throw new RnnkitError('SHAPE_MISMATCH', `input.ids: expected ${shape[0] * shape[1]} ids for shape ${formatShape(shape)}, got ${tok.ids.length}`, { argument: 'input.ids' });
  }
  const ids = Int32Array.from(tok.ids);
  for (let i = 0; i < ids.length; i++) {
    if (!(ids[i] >= 0 && ids[i] < V) || ids[i] !== tok.ids[i]) {
      throw new RnnkitError('INVALID_ARGUMENT', `input.ids[${i}]: expected an integer id in 0..${V - 1}, got ${describe(tok.ids[i])}`, { argument: `input.ids[${i}]` });
    }
  }
  return ids;
}

/** Float input: a tensor of this backend, or host data whose length matches its shape. */
function checkSequence(be: Backend, v: SequenceInput, name: string, opts: ForwardOptions): void {
  if (isTensor(v)) {
    if (v.backend !== be.name) throw new RnnkitError('BACKEND_MISMATCH', `${name}: expected a tensor on backend "${be.name}", got one on "${v.backend}"`, { argument: name });
    return;
  }
  if (!isHost(v)) throw new RnnkitError('INVALID_ARGUMENT', `${name}: expected {data: Float32Array, shape} or a tensor, got ${describe(v)}`, { argument: name });
  if (v.data.length !== sizeOf(v.shape)) {
    throw new RnnkitError('SHAPE_MISMATCH', `${name}: data has ${v.data.length} values but shape ${formatShape(v.shape)} needs ${sizeOf(v.shape)}`, { argument: name });
  }
  if (opts.checkFinite) checkFinite(v.data, name);
}

function checkState(be: Backend, v: SequenceInput | undefined, name: string, opts: ForwardOptions): void {
  if (v !== undefined) checkSequence(be, v, name, opts);
}
