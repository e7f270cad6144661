import type { BackendDefinition } from '@rnnkit/core';
import { TfjsBackend } from './backend.js';
import { startEngine } from './engine.js';
import type { EngineOptions } from './engine.js';

export { TfjsBackend } from './backend.js';
export type { TfjsBackendInfo } from './backend.js';
export { TfjsTensor } from './tensor.js';
export type { TfjsEngineKind } from './engine.js';
export type { MatmulOptions } from './kernels/matmul.js';
export * from './keras_weights.js';

export interface TfjsBackendOptions extends EngineOptions {}

/**
 * Starts the tfjs backend: tfjs-node when its native binding loads, else tfjs-backend-wasm,
 * else tfjs-backend-cpu, or the engine forced by `options.engine`. Throws
 * RnnkitError('BACKEND_UNAVAILABLE') saying why when it can't start here. Nothing is loaded or
 * set in tfjs until this is called.
 */
export async function createTfjsBackend(options: TfjsBackendOptions = {}): Promise<TfjsBackend> {
  return new TfjsBackend(await startEngine(options ?? {}));
}

/** Register with core: `registerBackend(tfjsBackend)`, then `createBackend('tfjs', { options: { engine: 'wasm' } })`. */
export const tfjsBackend: BackendDefinition<TfjsBackendOptions> = {
  name: 'tfjs',
  priority: 50,
  create: (options?: TfjsBackendOptions) => createTfjsBackend(options),
};
