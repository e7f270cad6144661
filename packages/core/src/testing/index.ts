/**
 * `@rnnkit/core/testing`: the float64 reference, the shared conformance cases and the PyTorch
 * fixtures. Every backend's test suite imports this; the bench reports the same numbers.
 */

export * from './conformance.js';
export * from './kit/index.js';
export * from './numeric.js';
export * from './reference.js';
export * from './reference_backend/index.js';
export * from './torch_fixtures.js';
export * from './training_conformance.js';
