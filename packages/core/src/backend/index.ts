/**
 * `@rnnkit/core/backend`: what backend authors need. A backend is memory functions plus a
 * kernel table turned into a `Backend` by `defineBackend`, which validates every call, counts
 * tensors and supplies the composite fused kernels the table leaves out (see
 * docs/adding-a-backend.md). Also here: the composite kernels themselves, `Scope`, the layout
 * helpers and the layer-level recurrent driver that backend tests use.
 */

export { describe as describeValue } from '../errors.js';
export { limitExceeded } from '../limits.js';
export { batchToTimeMajor, lastStepRows, reverseWithinLengths, timeToBatchMajor } from '../model/layout.js';
export type { RecurrentCache, RecurrentGradients, RecurrentRunOptions, RecurrentRunResult } from '../model/recurrent_layer.js';
export { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '../model/recurrent_layer.js';
export { formatShape, rowsCols, shapeEquals, sizeOf } from '../tensor.js';
export * from './backend.js';
export {
  dequantizeRows,
  int8RowSums,
  MAX_QUANTIZED_K,
  quantizeActivationRow,
  quantizedMatmulHost,
  quantizeRows,
  roundHalfEven,
} from './composite/int8_impl.js';
export { compositeAdamUpdate, compositeSgdUpdate } from './composite/optimizer_updates.js';
export { compositeQuantizedMatmul } from './composite/quantized_matmul.js';
export { compositeQuantizedRecurrentForward } from './composite/quantized_recurrent_forward.js';
export { CompositeQuantized } from './composite/quantized_weight.js';
export { compositeRecurrentBackward } from './composite/recurrent_backward.js';
export type { RecurrentProjections } from './composite/recurrent_forward.js';
export { CompositeSaved, compositeRecurrence, compositeRecurrentForward, stepMasks } from './composite/recurrent_forward.js';
export { compositeSquaredErrorGrad } from './composite/squared_error_grad.js';
export type { RecurrentDims } from './contracts.js';
export { invalidArgument, shapeError } from './contracts.js';
export { defineBackend, KernelBackend } from './define_backend.js';
export * from './kernel_table.js';
export type { KnownBackend, KnownBackendVariant } from './known_backends.js';
export { KNOWN_BACKENDS, knownVariant } from './known_backends.js';
export { Scope } from './scope.js';
