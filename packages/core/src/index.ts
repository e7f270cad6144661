/**
 * `@rnnkit/core`: what users call — model graph and builders, `Model`, training, task shapes,
 * data helpers, files, errors, and the backend registry. Backend authors import
 * `@rnnkit/core/backend` (the Backend interface, `defineBackend`, composite kernels); test
 * suites import `@rnnkit/core/testing`. `test/exports.test.ts` pins each list: additions are
 * deliberate.
 */
export { RnnkitError, isRnnkitError } from './errors.js';
export type { RnnkitErrorCode } from './errors.js';
export { hostTensor, sizeOf, shapeEquals, formatShape } from './tensor.js';
export type { Shape, Tensor, HostTensor } from './tensor.js';
export { CELL_KINDS, isCellKind, gateCount, hasCellState } from './cells.js';
export type { CellKind } from './cells.js';
export { Rng } from './util/rng.js';
export { numDirections, recurrentOutputSize } from './graph/spec.js';
export type { RecurrentSpec, LinearSpec, EmbeddingSpec, SelectStepsSpec, LayerSpec, ModelSpec } from './graph/spec.js';
export { validateModelSpec } from './graph/validate.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { Limits } from './limits.js';
export { rnn, lstm, gru, linear, embedding, lastStep, allSteps } from './graph/builders.js';
export type { RecurrentOptions, LayerDraft } from './graph/builders.js';
export { directionParamNames, recurrentParams, layerParams, modelParams } from './params/names.js';
export type { ParamInit, ParamInfo, DirectionParamNames } from './params/names.js';
export { initParams } from './params/init.js';
export type { Backend, BackendInfo, FusedOpName } from './backend/backend.js';
export { registerBackend, unregisterBackend, registeredBackends, createBackend } from './backend/registry.js';
export type { BackendDefinition, CreateBackendOptions } from './backend/registry.js';
export { DEFAULT_MAX_SEQUENCE_LENGTH } from './model/validate_inputs.js';
export { Model, sequential } from './model/model.js';
export type { SequenceInput, TokenInput, ForwardOptions, RecurrentState, Gradients, ForwardPass, ModelOptions } from './model/model.js';
export type * from './data/index.js';
export { Vocabulary, ZScore, batchCount, charVocabulary, createSequences, fitZScore, iterateBatches, padSequences, padTokens, readSeries, shuffledIndices, sliceRows, takeRows, trainValidationSplit, wordVocabulary } from './data/index.js';
export type * from './io/index.js';
export { SAFETENSORS_MAX_HEADER_BYTES, SPEC_METADATA_KEY, loadModel, loadModelBundle, loadWeights, parseSafetensors, safetensorsToFloat32, saveModel, saveModelBundle, saveWeights, serializeSafetensors } from './io/index.js';
export type * from './train/index.js';
export { RecurrentStream, accuracy, adam, adamw, clipGradients, constantLr, cosineWithWarmup, crossEntropy, evaluate, fit, fitTruncated, globalNorm, meanAbsoluteError, mse, sgd, stepDecay, stream, supervised, trainStep } from './train/index.js';
export type * from './tasks/index.js';
export { Seq2Seq, generateTokens, generateValues, manyToMany, manyToOne, oneToMany, predictClasses, tagSequences } from './tasks/index.js';
