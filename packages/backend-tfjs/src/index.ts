export { TfjsBackend, createTfjsBackend, tfjsBackend } from './backend.js';
export type { TfjsBackendInfo, TfjsBackendOptions } from './backend.js';
export type { TfjsContext } from './context.js';
export { TfjsTensor } from './tensor.js';
export type { TfjsEngineKind } from './engine.js';
export type { MatmulOptions } from '@rnnkit/core/backend';
export * from './keras_weights.js';
