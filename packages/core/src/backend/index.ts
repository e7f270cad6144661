/**
 * `@rnnkit/core/backend`: what backend authors need. A backend is memory functions plus a
 * kernel table turned into a `Backend` by `defineBackend`, which validates every call, counts
 * tensors and supplies the composite fused kernels the table leaves out (see
 * docs/adding-a-backend.md). Also here: the composite kernels themselves, `Scope`, the layout
 * helpers and the layer-level recurrent driver that backend tests use.
 */
export * from './backend.js';
export * from './kernel_table.js';
export { defineBackend, KernelBackend } from './define_backend.js';
export { shapeError, invalidArgument } from './contracts.js';
export type { RecurrentDims } from './contracts.js';
export { Scope } from './scope.js';
export { compositeRecurrentForward, CompositeSaved, stepMasks } from './composite/recurrent_forward.js';
export { compositeRecurrentBackward } from './composite/recurrent_backward.js';
export { compositeSgdUpdate, compositeAdamUpdate } from './composite/optimizer_updates.js';
export { compositeSquaredErrorGrad } from './composite/squared_error_grad.js';
export { batchToTimeMajor, timeToBatchMajor, reverseWithinLengths, lastStepRows } from '../model/layout.js';
export { runRecurrent, backpropRecurrent, disposeRecurrentCache } from '../model/recurrent_layer.js';
export type { RecurrentRunOptions, RecurrentCache, RecurrentRunResult, RecurrentGradients } from '../model/recurrent_layer.js';
export { rowsCols, sizeOf, formatShape, shapeEquals } from '../tensor.js';
export { describe as describeValue } from '../errors.js';
export { limitExceeded } from '../limits.js';
export { KNOWN_BACKENDS, knownVariant } from './known_backends.js';
export type { KnownBackend, KnownBackendVariant } from './known_backends.js';
