import type { CellKind } from '../cells.js';
import { checkObject } from '../errors.js';

/**
 * The model graph: plain JSON, validated by `validateModelSpec`. Every size is resolved (no
 * inference left to do), so parameter shapes follow from the spec alone and the ONNX exporter
 * and serializer read the same object.
 */
export interface RecurrentSpec {
  /** Layer kind tag. */
  type: 'recurrent';
  /** The cell: `rnn_tanh`, `rnn_relu`, `lstm` or `gru`. */
  cell: CellKind;
  /** Features D of each step of the input. */
  inputSize: number;
  /** Features H of the hidden state (per direction). */
  hiddenSize: number;
  /** Stacked layers (torch `num_layers`); layer l > 0 takes layer l − 1's output. */
  numLayers: number;
  /** Two directions per stacked layer (torch `bidirectional`): outputs concatenate forward and backward, `[…, 2H]`. */
  bidirectional: boolean;
  /**
   * Which way a one-direction layer reads time: 'forward' (absent means forward, as in every
   * spec written before this field) or 'reverse' (each sequence from its last valid step back to
   * step 0, ONNX's direction="reverse"). Only with `bidirectional: false`. A reverse layer's
   * parameters use the plain names (`weight_ih_l0`, no `_reverse` suffix): they are its one
   * direction's weights.
   */
  direction?: 'forward' | 'reverse';
  /** Dropout probability applied to each layer's output except the last, in training only. */
  dropout: number;
  /** (batch, seq, feature) when true (default), (seq, batch, feature) when false. */
  batchFirst: boolean;
  /** Whether the layer has `bias_ih`/`bias_hh` (torch `bias`). */
  bias: boolean;
  /** GRU only: true = PyTorch/ONNX linear_before_reset=1 (default); false = Keras reset_after=False. */
  gruResetAfter: boolean;
}

/** An affine map on the last axis (torch.nn.Linear): `weight` [outFeatures, inFeatures], `bias` [outFeatures]. */
export interface LinearSpec {
  /** Layer kind tag. */
  type: 'linear';
  /** Input features of the last axis. */
  inFeatures: number;
  /** Output features. */
  outFeatures: number;
  /** Whether the layer adds a bias (torch `bias`). */
  bias: boolean;
}

/** A lookup table of token vectors (torch.nn.Embedding): `weight` [numEmbeddings, embeddingDim]; must be the first layer. */
export interface EmbeddingSpec {
  /** Layer kind tag. */
  type: 'embedding';
  /** Vocabulary size: ids run 0..numEmbeddings − 1. */
  numEmbeddings: number;
  /** Features of each token vector. */
  embeddingDim: number;
}

/**
 * Chooses which steps of a recurrent layer's output feed the next layer:
 * `last` takes each sequence's own last valid step (many-to-one), `all` keeps every step
 * (many-to-many).
 */
export interface SelectStepsSpec {
  /** Layer kind tag. */
  type: 'select';
  /** `last`: each sequence's last valid step, `[B, F]`; `all`: every step, unchanged. */
  steps: 'last' | 'all';
}

/** One layer of a `ModelSpec`, told apart by `type`. */
export type LayerSpec = RecurrentSpec | LinearSpec | EmbeddingSpec | SelectStepsSpec;

/** A whole model as plain JSON (what `saveModel` writes and `loadModel` reads): its layers in order, validated by `validateModelSpec`. */
export interface ModelSpec {
  /** Format tag: always `rnnkit.model`. */
  format: 'rnnkit.model';
  /** Format version: 1. */
  version: 1;
  /** The layers, first to last; parameter names are prefixed with each layer's index (`0.weight_ih_l0`). */
  layers: LayerSpec[];
  /** Seed that produced the initial parameters. */
  seed: number;
}

/** 1, or 2 for a bidirectional layer. Throws INVALID_ARGUMENT when `spec` is not an object. */
export function numDirections(spec: RecurrentSpec): 1 | 2 {
  checkObject(spec, 'spec', 'a recurrent layer spec');
  return spec.bidirectional ? 2 : 1;
}

/** Whether direction `d` (0 or 1) of a recurrent layer reads time backwards: a bidirectional layer's second, or a reverse layer's only one. */
export function isReverseDirection(spec: RecurrentSpec, d: number): boolean {
  return spec.bidirectional ? d === 1 : spec.direction === 'reverse';
}

/** Feature size of a recurrent layer's output: H times the number of directions. */
export function recurrentOutputSize(spec: RecurrentSpec): number {
  checkObject(spec, 'spec', 'a recurrent layer spec');
  return spec.hiddenSize * numDirections(spec);
}
