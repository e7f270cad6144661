import type { Backend } from '../backend/backend.js';
import { hasCellState } from '../cells.js';
import { describe, RnnkitError } from '../errors.js';
import type { RecurrentSpec } from '../graph/spec.js';
import type { ForwardPass, Lengths, Model, SequenceInput, TokenInput } from '../model/model.js';
import { checkModel } from '../model/model.js';
import type { HostTensor, Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';

/**
 * The one recurrent layer of a model whose state can be carried from call to call: the model
 * must have exactly one recurrent layer (it may stack `numLayers`), running forward in time.
 * `Model.forward` takes the initial state of its first recurrent layer only, and a backward
 * direction can't be carried forward, so anything else is UNSUPPORTED.
 */
export function carriedRecurrent(model: Model, what: string): RecurrentSpec {
  checkModel(model);
  const recs = model.spec.layers.filter((l): l is RecurrentSpec => l.type === 'recurrent');
  if (recs.length !== 1) {
    throw new RnnkitError(
      'UNSUPPORTED',
      `model: ${what} carries the state of exactly one recurrent layer (stack with numLayers), got a model with ${recs.length} recurrent layers`,
      { argument: 'model' },
    );
  }
  if (recs[0].bidirectional) {
    throw new RnnkitError(
      'UNSUPPORTED',
      `model: ${what} needs a unidirectional recurrent layer (a backward direction can't carry state forward), got bidirectional: true`,
      { argument: 'model' },
    );
  }
  if (recs[0].direction === 'reverse') {
    throw new RnnkitError(
      'UNSUPPORTED',
      `model: ${what} needs a forward recurrent layer (a reverse layer reads each sequence from its end, so it can't carry state forward), got direction: "reverse"`,
      { argument: 'model' },
    );
  }
  return recs[0];
}

/** A recurrent state on the backend: h (and c for LSTM), each [numLayers, B, H]. */
export interface CarriedState {
  /** Hidden state, `[numLayers, B, H]`. */
  h: Tensor;
  /** Cell state, `[numLayers, B, H]`; LSTM only. */
  c?: Tensor;
}

/** A fresh copy of a tensor in its own shape (primitives answer in 2-D). */
export function copyTensor(be: Backend, t: Tensor): Tensor {
  const flat = be.affine(t, 1, 0);
  try {
    return be.reshape(flat, t.shape);
  } finally {
    be.dispose(flat);
  }
}

/** Copies a pass's final state so it outlives the pass: detached, no gradient flows back through it. */
export function detachState(be: Backend, pass: ForwardPass): CarriedState {
  const s = pass.states[0];
  const h = copyTensor(be, s.hN);
  try {
    return { h, ...(s.cN ? { c: copyTensor(be, s.cN) } : {}) };
  } catch (e) {
    be.dispose(h);
    throw e;
  }
}

/** Frees a carried state's tensors (`h`, and `c` when present); does nothing for undefined. */
export function disposeState(be: Backend, s: CarriedState | undefined): void {
  if (!s) return;
  be.dispose(s.h);
  if (s.c) be.dispose(s.c);
}

/** Options of `stream` and `new RecurrentStream`: the state the first chunk starts from. */
export interface StreamOptions {
  /** Starting state, [numLayers, B, H] each; zeros when absent. */
  h0?: HostTensor;
  /** Starting cell state, `[numLayers, B, H]` (LSTM only; INVALID_ARGUMENT for other cells); zeros when absent. */
  c0?: HostTensor;
}

/**
 * Streaming inference: feed a sequence step by step or chunk by chunk; the recurrent state is
 * carried between calls, so the outputs equal one call over the whole sequence. Chunks are in
 * the model's layout (`[B, k, F]` or token ids `[B, k]` when batchFirst). For a model ending in
 * `lastStep()` each call answers the chunk's last step.
 */
export class RecurrentStream {
  private carried: CarriedState | undefined;
  private readonly spec: RecurrentSpec;
  private steps = 0;
  constructor(
    /** The model run chunk by chunk; it must have one unidirectional, forward recurrent layer (else UNSUPPORTED). */
    readonly model: Model,
    private readonly opts: StreamOptions = {},
  ) {
    this.spec = carriedRecurrent(model, 'streaming');
    for (const k of ['h0', 'c0'] as const) {
      const v = opts[k];
      if (v === undefined) continue;
      if (!(v.data instanceof Float32Array) || v.data.length !== sizeOf(v.shape))
        throw new RnnkitError('SHAPE_MISMATCH', `${k}: expected {data: Float32Array, shape} with matching sizes, got ${describe(v)}`, { argument: k });
      if (k === 'c0' && !hasCellState(this.spec.cell))
        throw new RnnkitError('INVALID_ARGUMENT', `c0: only LSTM layers have a cell state, got c0 for cell ${describe(this.spec.cell)}`, { argument: 'c0' });
    }
  }

  /** Steps fed so far (per sequence). */
  get position(): number {
    return this.steps;
  }

  /** Runs the next chunk; the output stays on the backend and the caller disposes it. */
  pushTensor(chunk: SequenceInput | TokenInput, o: { lengths?: Lengths } = {}): Tensor {
    if (o === null || typeof o !== 'object')
      throw new RnnkitError('INVALID_ARGUMENT', `options: expected { lengths }, got ${describe(o)}`, { argument: 'options' });
    if (chunk === null || typeof chunk !== 'object' || !Array.isArray(chunk.shape))
      throw new RnnkitError('INVALID_ARGUMENT', `chunk: expected {data, shape}, {ids, shape} or a tensor, got ${describe(chunk)}`, { argument: 'chunk' });
    const be = this.model.backend;
    const st = this.carried;
    const h0: SequenceInput | undefined = st ? st.h : this.opts.h0;
    const c0: SequenceInput | undefined = st ? st.c : this.opts.c0;
    const pass = this.model.forward(chunk, { ...(h0 ? { h0 } : {}), ...(c0 ? { c0 } : {}), ...(o.lengths ? { lengths: o.lengths } : {}) });
    try {
      // Everything is made before the stream moves on, so a failed chunk leaves it where it was.
      const next = detachState(be, pass);
      let out: Tensor;
      try {
        out = copyTensor(be, pass.output);
      } catch (e) {
        disposeState(be, next);
        throw e;
      }
      disposeState(be, st);
      this.carried = next;
      this.steps += chunk.shape[this.spec.batchFirst ? 1 : 0];
      return out;
    } finally {
      pass.dispose();
    }
  }

  /** Runs the next chunk and reads its output back. */
  async push(chunk: SequenceInput | TokenInput, o: { lengths?: Lengths } = {}): Promise<HostTensor> {
    const be = this.model.backend;
    const out = this.pushTensor(chunk, o);
    try {
      return { data: await be.read(out), shape: [...out.shape] };
    } finally {
      be.dispose(out);
    }
  }

  /** The carried state on the host (undefined before the first chunk). */
  async state(): Promise<
    | {
        /** Hidden state, `[numLayers, B, H]`. */
        h: HostTensor;
        /** Cell state, `[numLayers, B, H]`; LSTM only. */
        c?: HostTensor;
      }
    | undefined
  > {
    const st = this.carried;
    if (!st) return undefined;
    const be = this.model.backend;
    const h = { data: await be.read(st.h), shape: [...st.h.shape] };
    return st.c ? { h, c: { data: await be.read(st.c), shape: [...st.c.shape] } } : { h };
  }

  /** Forgets the carried state: the next chunk starts from the initial state again. */
  reset(): void {
    disposeState(this.model.backend, this.carried);
    this.carried = undefined;
    this.steps = 0;
  }

  /** Frees the carried state on the backend (as `reset`); the model is not disposed. */
  dispose(): void {
    this.reset();
  }
}

/** Starts a streaming session over `model` (see `RecurrentStream`). */
export function stream(model: Model, opts: StreamOptions = {}): RecurrentStream {
  return new RecurrentStream(model, opts);
}
