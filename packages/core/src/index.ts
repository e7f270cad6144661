/**
 * `@rnnkit/core`: what users call — model graph and builders, `Model`, training, task shapes,
 * data helpers, files, errors, and the backend registry. Backend authors import
 * `@rnnkit/core/backend` (the Backend interface, `defineBackend`, composite kernels); test
 * suites import `@rnnkit/core/testing`. `test/exports.test.ts` pins each list: additions are
 * deliberate.
 */

export type { Backend, BackendInfo, FusedOpName, QuantizedMatrix, QuantizedMode, QuantizedTensor } from './backend/backend.js';
export type { BackendDefinition, CreateBackendOptions } from './backend/registry.js';
export { createBackend, registerBackend, registeredBackends, unregisterBackend } from './backend/registry.js';
export type { CellKind } from './cells.js';
export { CELL_KINDS, gateCount, hasCellState, isCellKind } from './cells.js';
export type * from './data/index.js';
export {
  batchCount,
  charVocabulary,
  createSequences,
  fitZScore,
  iterateBatches,
  padSequences,
  padTokens,
  readSeries,
  shuffledIndices,
  sliceRows,
  takeRows,
  trainValidationSplit,
  Vocabulary,
  wordVocabulary,
  ZScore,
} from './data/index.js';
export type { RnnkitErrorCode } from './errors.js';
export { isRnnkitError, RnnkitError } from './errors.js';
export type { LayerDraft, RecurrentOptions } from './graph/builders.js';
export { allSteps, embedding, gru, lastStep, linear, lstm, rnn } from './graph/builders.js';
export type { EmbeddingSpec, LayerSpec, LinearSpec, ModelSpec, RecurrentSpec, SelectStepsSpec } from './graph/spec.js';
export { numDirections, recurrentOutputSize } from './graph/spec.js';
export { validateModelSpec } from './graph/validate.js';
export type * from './io/index.js';
export {
  loadModel,
  loadModelBundle,
  loadWeights,
  parseSafetensors,
  QUANTIZATION_METADATA_KEY,
  SAFETENSORS_MAX_HEADER_BYTES,
  SPEC_METADATA_KEY,
  safetensorsToFloat32,
  safetensorsToInt8,
  safetensorsToInt32,
  saveModel,
  saveModelBundle,
  saveWeights,
  serializeSafetensors,
} from './io/index.js';
export type { Limits } from './limits.js';
export { DEFAULT_LIMITS } from './limits.js';
export type {
  ForwardOptions,
  ForwardPass,
  Gradients,
  HostRecurrentState,
  Lengths,
  LoadStateDictOptions,
  LoadStateDictResult,
  ModelOptions,
  PredictionWithState,
  PredictOptions,
  RecurrentState,
  SequenceInput,
  StateDictOptions,
  TokenInput,
} from './model/model.js';
export { Model, sequential } from './model/model.js';
export type { QuantizeOptions } from './model/quantize.js';
export { quantize } from './model/quantize.js';
export { DEFAULT_MAX_SEQUENCE_LENGTH } from './model/validate_inputs.js';
export { initParams } from './params/init.js';
export type { DirectionParamNames, ParamInfo, ParamInit } from './params/names.js';
export { directionParamNames, layerParams, modelParams, recurrentParams } from './params/names.js';
export type * from './tasks/index.js';
export { generateTokens, generateValues, manyToMany, manyToOne, oneToMany, predictClasses, Seq2Seq, tagSequences } from './tasks/index.js';
export type { HostTensor, Shape, Tensor } from './tensor.js';
export { formatShape, hostTensor, shapeEquals, sizeOf } from './tensor.js';
export type * from './train/index.js';
export {
  accuracy,
  adam,
  adamw,
  clipGradients,
  constantLr,
  cosineWithWarmup,
  crossEntropy,
  evaluate,
  fit,
  fitTruncated,
  globalNorm,
  meanAbsoluteError,
  mse,
  RecurrentStream,
  sgd,
  stepDecay,
  stream,
  supervised,
  trainStep,
} from './train/index.js';
export { Rng } from './util/rng.js';
