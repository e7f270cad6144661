import type { CellKind } from '../cells.js';
import { describe, RnnkitError } from '../errors.js';
import type { EmbeddingSpec, LayerSpec, LinearSpec, RecurrentSpec, SelectStepsSpec } from './spec.js';

/**
 * Options shared by `rnn`, `lstm` and `gru`, named as in torch.nn. `inputSize` may be left to the
 * previous layer.
 *
 * Layout: **batch-first by default** — input `[batch, seq, features]`, output
 * `[batch, seq, hidden × directions]` — unlike PyTorch, whose default is time-major
 * (`batch_first=False`). For time-major data (`[seq, batch, features]`, as `nn.LSTM(…)` takes
 * by default) pass `batchFirst: false`; a `[T, B, D]` input to a batch-first layer is read as
 * `[B, T, D]` without an error when the sizes allow it. `h0`/`c0` and the final states are
 * `[numLayers × directions, batch, hidden]` either way, as in PyTorch.
 */
export interface RecurrentOptions {
  /** Features in the hidden state (torch's `hidden_size`). */
  hiddenSize: number;
  /** Features in the input (torch's `input_size`). @defaultValue the previous layer's output size */
  inputSize?: number;
  /** Stacked layers (torch's `num_layers`). @defaultValue 1 */
  numLayers?: number;
  /** Run a reverse direction too and concatenate (torch's `bidirectional`). @defaultValue false */
  bidirectional?: boolean;
  /**
   * 'reverse': one direction that reads each sequence from its last valid step back to step 0
   * (ONNX direction="reverse"); not with `bidirectional`.
   * @defaultValue 'forward'
   */
  direction?: 'forward' | 'reverse';
  /** Dropout on the outputs of every layer but the last, in training (torch's `dropout`). @defaultValue 0 */
  dropout?: number;
  /**
   * `true`: `[batch, seq, features]`; `false`: `[seq, batch, features]` (PyTorch's default).
   * @defaultValue true (PyTorch's default is false: pass `batchFirst: false` for time-major data)
   */
  batchFirst?: boolean;
  /** Learn `b_ih` and `b_hh` (torch's `bias`). @defaultValue true */
  bias?: boolean;
}

/** A layer spec whose input size may still be unknown; `sequential` resolves it. */
export type LayerDraft =
  | (Omit<RecurrentSpec, 'inputSize'> & {
      /** Input features; when absent, `sequential` takes the previous layer's output size (the first layer needs it). */
      inputSize?: number;
    })
  | (Omit<LinearSpec, 'inFeatures'> & {
      /** Input features; when absent, `sequential` takes the previous layer's output size (the first layer needs it). */
      inFeatures?: number;
    })
  | EmbeddingSpec
  | SelectStepsSpec;

/** A builder's options must be an object (the sizes in it are checked by validateModelSpec). */
function options<O>(o: O, builder: string): O {
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new RnnkitError('INVALID_ARGUMENT', `${builder}: options: expected an object, got ${describe(o)}`, { argument: 'options' });
  return o;
}

function recurrent(cell: CellKind, o: RecurrentOptions, gruResetAfter = true): LayerDraft {
  options(o, cell === 'lstm' ? 'lstm' : cell === 'gru' ? 'gru' : 'rnn');
  return {
    type: 'recurrent',
    cell,
    inputSize: o.inputSize,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers ?? 1,
    bidirectional: o.bidirectional ?? false,
    // Only a non-forward value is recorded, so a forward layer's spec is what it was before the
    // field; validateModelSpec refuses anything but 'reverse' (and 'reverse' with bidirectional).
    ...(o.direction !== undefined && o.direction !== 'forward' ? { direction: o.direction } : {}),
    dropout: o.dropout ?? 0,
    batchFirst: o.batchFirst ?? true,
    bias: o.bias ?? true,
    gruResetAfter,
  };
}

/**
 * Elman RNN (torch.nn.RNN): h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act = tanh (default) or relu.
 * Batch-first by default (`[batch, seq, features]`); pass `batchFirst: false` for PyTorch's
 * time-major `[seq, batch, features]` (see `RecurrentOptions`).
 */
export function rnn(o: RecurrentOptions & { nonlinearity?: 'tanh' | 'relu' }): LayerDraft {
  options(o, 'rnn');
  if (o.nonlinearity !== undefined && o.nonlinearity !== 'tanh' && o.nonlinearity !== 'relu') {
    throw new RnnkitError('INVALID_ARGUMENT', `rnn: nonlinearity: expected "tanh" or "relu", got ${describe(o.nonlinearity)}`, { argument: 'nonlinearity' });
  }
  return recurrent(o.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh', o);
}

/**
 * LSTM (torch.nn.LSTM), gates i, f, g, o. Batch-first by default (`[batch, seq, features]`);
 * pass `batchFirst: false` for PyTorch's time-major `[seq, batch, features]` (see `RecurrentOptions`).
 */
export function lstm(o: RecurrentOptions): LayerDraft {
  return recurrent('lstm', o);
}

/**
 * GRU (torch.nn.GRU), gates r, z, n. `resetAfter: true` (default) is PyTorch's form;
 * `false` applies the reset gate before the recurrent matmul (Keras reset_after=False).
 * Batch-first by default (`[batch, seq, features]`); pass `batchFirst: false` for PyTorch's
 * time-major `[seq, batch, features]` (see `RecurrentOptions`).
 */
export function gru(o: RecurrentOptions & { resetAfter?: boolean }): LayerDraft {
  options(o, 'gru');
  return recurrent('gru', o, o.resetAfter ?? true);
}

/** Affine map y = x W^T + b on the last axis (torch.nn.Linear). */
export function linear(o: { outFeatures: number; inFeatures?: number; bias?: boolean }): LayerDraft {
  options(o, 'linear');
  return { type: 'linear', inFeatures: o.inFeatures, outFeatures: o.outFeatures, bias: o.bias ?? true };
}

/** Token-id lookup table (torch.nn.Embedding); must be the first layer. */
export function embedding(o: { numEmbeddings: number; embeddingDim: number }): LayerDraft {
  options(o, 'embedding');
  return { type: 'embedding', numEmbeddings: o.numEmbeddings, embeddingDim: o.embeddingDim };
}

/** Keep each sequence's last valid step (respecting `lengths`): many-to-one. */
export function lastStep(): LayerDraft {
  return { type: 'select', steps: 'last' };
}

/** Keep every step: many-to-many. Optional, as a recurrent layer already outputs all steps. */
export function allSteps(): LayerDraft {
  return { type: 'select', steps: 'all' };
}

/** Fills in input sizes from the previous layer's output. */
export function resolveLayers(drafts: readonly LayerDraft[]): LayerSpec[] {
  let features: number | undefined;
  return drafts.map((d) => {
    switch (d.type) {
      case 'embedding':
        features = d.embeddingDim;
        return { ...d };
      case 'recurrent': {
        const inputSize = d.inputSize ?? features;
        const r = { ...d, inputSize } as RecurrentSpec;
        features = d.hiddenSize * (d.bidirectional ? 2 : 1);
        return r;
      }
      case 'linear': {
        const inFeatures = d.inFeatures ?? features;
        features = d.outFeatures;
        return { ...d, inFeatures } as LinearSpec;
      }
      default:
        return { ...d };
    }
  });
}
