import type { Backend } from '../backend/backend.js';
import { gateCount } from '../cells.js';
import { describe, hostDataError, RnnkitError } from '../errors.js';
import type { ModelSpec, RecurrentSpec } from '../graph/spec.js';
import { numDirections } from '../graph/spec.js';
import type { Limits } from '../limits.js';
import { checkLimit, DEFAULT_LIMITS, formatCount } from '../limits.js';
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
export function checkForwardInputs(
  spec: ModelSpec,
  be: Backend,
  input: SequenceInput | TokenInput,
  opts: ForwardOptions,
  limits: Readonly<Limits> = DEFAULT_LIMITS,
): CheckedForward {
  checkOptions(opts);
  const recurrent = spec.layers.find((l): l is RecurrentSpec => l.type === 'recurrent');
  const batchFirst = recurrent ? recurrent.batchFirst : true;
  const first = spec.layers[0];
  let flowShape: Shape;
  let ids: Int32Array | undefined;
  if (first.type === 'embedding') {
    ids = checkTokens(input, first.numEmbeddings, limits);
    const shape = (input as TokenInput).shape;
    flowShape = [shape[0], shape[1], first.embeddingDim];
  } else {
    checkSequence(be, input as SequenceInput, 'input', opts, limits);
    flowShape = (input as SequenceInput).shape;
  }
  checkState(be, opts.h0, 'h0', opts, limits);
  checkState(be, opts.c0, 'c0', opts, limits);
  // Linear layers before the first recurrent layer map features step by step.
  for (const l of spec.layers) {
    if (l.type === 'recurrent') break;
    if (l.type !== 'linear') continue;
    const F = flowShape[flowShape.length - 1];
    if (F !== l.inFeatures) {
      throw new RnnkitError('SHAPE_MISMATCH', `input: expected ${l.inFeatures} features in the last axis, got shape ${formatShape(flowShape)}`, {
        argument: 'input',
      });
    }
    flowShape = [...flowShape.slice(0, -1), l.outFeatures];
  }
  let T = 0;
  let B = 0;
  let lengths: Int32Array | undefined;
  if (recurrent) {
    // An explicit literal (no spreads): this runs on every forward and training step.
    const c = checkRecurrentInputs(
      recurrent,
      flowShape,
      {
        lengths: opts.lengths,
        h0Shape: opts.h0 ? opts.h0.shape : undefined,
        c0Shape: opts.c0 ? opts.c0.shape : undefined,
        maxSequenceLength: opts.maxSequenceLength,
      },
      first.type === 'embedding' ? 'input (embedded)' : 'input',
    );
    T = c.T;
    B = c.B;
    lengths = c.lengths;
  }
  checkActivations(spec, T || flowShape[1] || 1, B || flowShape[0] || 1, opts.training === true, limits);
  const out: CheckedForward = { recurrent, batchFirst, flowShape, T, B };
  if (ids) out.ids = ids;
  if (lengths) out.lengths = lengths;
  return out;
}

/** The options' own types: booleans, seeds and the sequence-length cap (NaN must not lift it). */
function checkOptions(opts: ForwardOptions): void {
  checkBoolean(opts.training, 'training');
  checkBoolean(opts.checkFinite, 'checkFinite');
  const seed = opts.dropoutSeed;
  if (seed !== undefined && !(typeof seed === 'number' && Number.isSafeInteger(seed))) {
    throw new RnnkitError('INVALID_ARGUMENT', `dropoutSeed: expected a (safe) integer, got ${describe(seed)}`, { argument: 'dropoutSeed' });
  }
  const m = opts.maxSequenceLength;
  if (m !== undefined && !(typeof m === 'number' && (m === Infinity || (Number.isSafeInteger(m) && m >= 1)))) {
    throw new RnnkitError('INVALID_ARGUMENT', `maxSequenceLength: expected a positive integer (or Infinity for no limit), got ${describe(m)}`, {
      argument: 'maxSequenceLength',
    });
  }
}

function checkBoolean(v: unknown, k: string): void {
  if (v !== undefined && typeof v !== 'boolean') throw new RnnkitError('INVALID_ARGUMENT', `${k}: expected a boolean, got ${describe(v)}`, { argument: k });
}

/**
 * The activations a pass over [T, B] will make, estimated from the spec before anything is
 * uploaded: every tensor within limits.maxTensorElements, and all of them (twice for training,
 * which keeps them for backward) within limits.maxCallBytes.
 */
function checkActivations(spec: ModelSpec, T: number, B: number, training: boolean, limits: Readonly<Limits>): void {
  // Runs on every forward and training step: plain loops, messages formatted only on failure.
  let rows = T * B;
  let total = 0;
  let largest = 0;
  let where = -1; // the layer making the largest tensor (−1: the input)
  const layers = spec.layers;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    if (l.type === 'select') {
      if (l.steps === 'last') rows = B;
      continue;
    }
    if (l.type === 'recurrent') {
      const dirs = numDirections(l);
      const G = gateCount(l.cell);
      const gatesEl = rows * G * l.hiddenSize; // one direction's gate pre-activations
      const outEl = rows * l.hiddenSize * dirs;
      const n = Math.min(l.numLayers, 1e6);
      total += n * (gatesEl + outEl + (dirs - 1) * gatesEl);
      const big = Math.max(gatesEl, outEl);
      if (n > 0 && big > largest) {
        largest = big;
        where = i;
      }
      continue;
    }
    const el = rows * (l.type === 'embedding' ? l.embeddingDim : l.outFeatures);
    total += el;
    if (el > largest) {
      largest = el;
      where = i;
    }
  }
  if (!(largest <= limits.maxTensorElements)) {
    checkLimit(
      limits,
      'maxTensorElements',
      largest,
      'input',
      'elements in one activation tensor',
      `${where < 0 ? 'input' : `spec.layers[${where}]`} makes ${formatCount(largest)} for T = ${T}, B = ${B}`,
    );
  }
  const bytes = total * 4 * (training ? 2 : 1);
  if (!(bytes <= limits.maxCallBytes)) {
    checkLimit(limits, 'maxCallBytes', bytes, 'input', `bytes of activations in one ${training ? 'training ' : ''}forward`, `estimated for T = ${T}, B = ${B}`);
  }
}

/** Token ids {ids, shape: [batch, seq]}: every id an integer in 0..V−1. Returns them as Int32Array. */
function checkTokens(input: unknown, V: number, limits: Readonly<Limits>): Int32Array {
  const tok = input as TokenInput;
  if (!tok || typeof tok !== 'object' || !('ids' in tok)) {
    throw new RnnkitError(
      'INVALID_ARGUMENT',
      `input: expected token ids {ids, shape: [batch, seq]} for a model that starts with an embedding, got ${describe(input)}`,
      { argument: 'input' },
    );
  }
  const shape = tok.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new RnnkitError('SHAPE_MISMATCH', `input.shape: expected [batch, seq] (or [seq, batch]) of non-negative integers, got ${describe(shape)}`, {
      argument: 'input.shape',
    });
  }
  const ids0 = tok.ids as unknown;
  if (!(ids0 instanceof Int32Array) && !Array.isArray(ids0)) {
    throw new RnnkitError('INVALID_ARGUMENT', `input.ids: expected an Int32Array or an array of integer ids, got ${describe(ids0)}`, { argument: 'input.ids' });
  }
  checkLimit(limits, 'maxTensorElements', shape[0] * shape[1], 'input.shape', 'token ids in one input', formatShape(shape));
  if (tok.ids.length !== shape[0] * shape[1]) {
    throw new RnnkitError('SHAPE_MISMATCH', `input.ids: expected ${shape[0] * shape[1]} ids for shape ${formatShape(shape)}, got ${tok.ids.length}`, {
      argument: 'input.ids',
    });
  }
  if (!(tok.ids instanceof Int32Array)) {
    for (let i = 0; i < tok.ids.length; i++) {
      const v: unknown = tok.ids[i];
      if (typeof v !== 'number')
        throw new RnnkitError('INVALID_ARGUMENT', `input.ids[${i}]: expected an integer id in 0..${V - 1} (a number), got ${describe(v)}`, {
          argument: `input.ids[${i}]`,
        });
    }
  }
  const ids = Int32Array.from(tok.ids);
  for (let i = 0; i < ids.length; i++) {
    if (!(ids[i] >= 0 && ids[i] < V) || ids[i] !== tok.ids[i]) {
      throw new RnnkitError('INVALID_ARGUMENT', `input.ids[${i}]: expected an integer id in 0..${V - 1}, got ${describe(tok.ids[i])}`, {
        argument: `input.ids[${i}]`,
      });
    }
  }
  return ids;
}

/** Float input: a tensor of this backend, or host data whose length matches its shape. */
function checkSequence(be: Backend, v: SequenceInput, name: string, opts: ForwardOptions, limits: Readonly<Limits>): void {
  if (isTensor(v)) {
    if (v.backend !== be.name)
      throw new RnnkitError('BACKEND_MISMATCH', `${name}: expected a tensor on backend "${be.name}", got one on "${describe(v.backend)}"`, { argument: name });
    if (!Array.isArray(v.shape))
      throw new RnnkitError('INVALID_ARGUMENT', `${name}: expected a tensor with a shape, got shape ${describe(v.shape)}`, { argument: name });
    return;
  }
  if (!isHost(v)) throw hostDataError(name, v, ' or a tensor');
  if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new RnnkitError('SHAPE_MISMATCH', `${name}.shape: expected a list of non-negative integers, got ${describe(v.shape)}`, { argument: `${name}.shape` });
  }
  checkLimit(limits, 'maxTensorElements', sizeOf(v.shape), `${name}.shape`, 'elements in one input', formatShape(v.shape));
  if (v.data.length !== sizeOf(v.shape)) {
    throw new RnnkitError('SHAPE_MISMATCH', `${name}: data has ${v.data.length} values but shape ${formatShape(v.shape)} needs ${sizeOf(v.shape)}`, {
      argument: name,
    });
  }
  if (opts.checkFinite) checkFinite(v.data, name);
}

function checkState(be: Backend, v: SequenceInput | undefined, name: string, opts: ForwardOptions, limits: Readonly<Limits>): void {
  if (v !== undefined) checkSequence(be, v, name, opts, limits);
}
