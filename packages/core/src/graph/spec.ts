import type { CellKind } from '../cells.js';
import { checkObject } from '../errors.js';

/**
 * The model graph: plain JSON, validated by `validateModelSpec`. Every size is resolved (no
 * inference left to do), so parameter shapes follow from the spec alone and the ONNX exporter
 * and serializer read the same object.
 */
export interface RecurrentSpec {
  type: 'recurrent';
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
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
  bias: boolean;
  /** GRU only: true = PyTorch/ONNX linear_before_reset=1 (default); false = Keras reset_after=False. */
  gruResetAfter: boolean;
}

export interface LinearSpec {
  type: 'linear';
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

export interface EmbeddingSpec {
  type: 'embedding';
  numEmbeddings: number;
  embeddingDim: number;
}

/**
 * Chooses which steps of a recurrent layer's output feed the next layer:
 * `last` takes each sequence's own last valid step (many-to-one), `all` keeps every step
 * (many-to-many).
 */
export interface SelectStepsSpec {
  type: 'select';
  steps: 'last' | 'all';
}

export type LayerSpec = RecurrentSpec | LinearSpec | EmbeddingSpec | SelectStepsSpec;

export interface ModelSpec {
  format: 'rnnkit.model';
  version: 1;
  layers: LayerSpec[];
  /** Seed that produced the initial parameters. */
  seed: number;
}

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
