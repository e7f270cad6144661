export type { MatmulOptions } from '@rnnkit/core/backend';
export type { TfjsBackendInfo, TfjsBackendOptions } from './backend.js';
export { createTfjsBackend, TfjsBackend, tfjsBackend } from './backend.js';
export type { TfjsContext } from './context.js';
export type { TfjsEngineKind } from './engine.js';
export * from './keras_weights.js';
export { TfjsTensor } from './tensor.js';
