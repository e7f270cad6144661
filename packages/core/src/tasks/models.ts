import { checkObject, describe, RnnkitError } from '../errors.js';
import type { LayerDraft } from '../graph/builders.js';
import { embedding, gru, lastStep, linear, lstm, rnn } from '../graph/builders.js';
import type { Model } from '../model/model.js';
import { sequential } from '../model/model.js';

/** `rnn` is the tanh Elman RNN; `rnn_relu` its ReLU form. */
export type TaskCell = 'rnn' | 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/**
 * The recurrent trunk shared by the task builders. Inputs are either floats with `inputSize`
 * features, or token ids from a vocabulary of `vocabSize` embedded in `embeddingDim`.
 */
export interface TaskModelOptions {
  /** Recurrent cell kind; any other value is an UNKNOWN_CELL error. */
  cell: TaskCell;
  /** H, the hidden state's width per direction. */
  hiddenSize: number;
  /** Stacked recurrent layers (torch `num_layers`). @defaultValue 1 */
  numLayers?: number;
  /** Dropout between stacked layers, training only. */
  dropout?: number;
  /** Run each stacked layer in both directions; the trunk's output is then `[…, 2H]`. @defaultValue false */
  bidirectional?: boolean;
  /** Float inputs: features per step. */
  inputSize?: number;
  /** Token inputs: vocabulary size and embedding width (embeddingDim defaults to hiddenSize). */
  vocabSize?: number;
  /** Token inputs: width of each embedding vector. @defaultValue hiddenSize */
  embeddingDim?: number;
  /** TrainBatch-first layout (default true). */
  batchFirst?: boolean;
  /** Seed of the initial parameters. @defaultValue 0 */
  seed?: number;
}

/** Layers for the input and the recurrent trunk. */
export function trunk(o: TaskModelOptions, argument = 'options'): LayerDraft[] {
  if (o === null || typeof o !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected an options object, got ${describe(o)}`, { argument });
  const hasFloat = o.inputSize !== undefined;
  const hasTokens = o.vocabSize !== undefined;
  if (hasFloat === hasTokens) {
    throw new RnnkitError(
      'INVALID_ARGUMENT',
      `${argument}: expected exactly one of inputSize (float inputs) or vocabSize (token inputs), got ${hasFloat ? 'both' : 'neither'}`,
      { argument },
    );
  }
  const rec = {
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers ?? 1,
    dropout: o.dropout ?? 0,
    bidirectional: o.bidirectional ?? false,
    batchFirst: o.batchFirst ?? true,
    ...(hasFloat ? { inputSize: o.inputSize } : {}),
  };
  const layers: LayerDraft[] = hasTokens ? [embedding({ numEmbeddings: o.vocabSize!, embeddingDim: o.embeddingDim ?? o.hiddenSize })] : [];
  switch (o.cell) {
    case 'rnn':
    case 'rnn_tanh':
      layers.push(rnn(rec));
      break;
    case 'rnn_relu':
      layers.push(rnn({ ...rec, nonlinearity: 'relu' }));
      break;
    case 'lstm':
      layers.push(lstm(rec));
      break;
    case 'gru':
      layers.push(gru(rec));
      break;
    default:
      throw new RnnkitError('UNKNOWN_CELL', `${argument}.cell: expected one of rnn, rnn_relu, lstm, gru, got ${describe(o.cell)}`, {
        argument: `${argument}.cell`,
      });
  }
  return layers;
}

/**
 * Many-to-one: `[embedding] → recurrent → lastStep → linear(outputSize)`. The head reads each
 * sequence's own last valid step (respecting `lengths`), so output is `[B, outputSize]`: class
 * logits (train with `crossEntropy`, predict with `predictClasses`) or regression values (`mse`).
 */
export function manyToOne(o: TaskModelOptions & { outputSize: number }): Model {
  return sequential([...trunk(o), lastStep(), linear({ outFeatures: o.outputSize })], { seed: o.seed ?? 0 });
}

/**
 * Many-to-many, synchronized: `[embedding] → recurrent → linear(outputSize)` on every step, so
 * output is `[B, T, outputSize]` (per-step tags or values); padded steps are zeros and the
 * losses mask them. Predict tags with `tagSequences`.
 */
export function manyToMany(o: TaskModelOptions & { outputSize: number }): Model {
  return sequential([...trunk(o), linear({ outFeatures: o.outputSize })], { seed: o.seed ?? 0 });
}

/**
 * One-to-many (autoregressive): a per-step model whose output feeds back as the next input. For
 * tokens, `outputSize` defaults to `vocabSize` (next-token logits; generate with
 * `generateTokens`); for floats it defaults to `inputSize` (next values; `generateValues`).
 * The recurrent layer is unidirectional, as generation runs forward in time.
 */
export function oneToMany(o: Omit<TaskModelOptions, 'bidirectional'> & { outputSize?: number }): Model {
  checkObject(o, 'options', 'an options object');
  const out = o.outputSize ?? o.vocabSize ?? o.inputSize;
  if (o.vocabSize === undefined && o.inputSize !== undefined && out !== o.inputSize) {
    throw new RnnkitError('INVALID_ARGUMENT', `outputSize: expected ${o.inputSize} (inputSize: float outputs feed back as inputs), got ${describe(out)}`, {
      argument: 'outputSize',
    });
  }
  return sequential([...trunk({ ...o, bidirectional: false }), linear({ outFeatures: out! })], { seed: o.seed ?? 0 });
}
