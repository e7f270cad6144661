/// <reference types="@webgpu/types" />
import type { BackendDefinition } from '@rnnkit/core';
import { WebgpuBackend, type WebgpuBackendTuning } from './backend.js';
import { acquireDevice } from './device.js';

export { WebgpuBackend } from './backend.js';
export type { WebgpuBackendTuning, WebgpuBufferReport } from './backend.js';
export type { WebgpuAdapterDescription } from './device.js';
export type { GpuBufferStats } from './pool.js';
export { WebgpuTensor } from './tensor.js';

export interface WebgpuBackendOptions extends WebgpuBackendTuning {
  /**
   * A device to run on. The caller keeps ownership: `destroy()` releases the backend's buffers
   * but leaves the device alone. Without one, the backend requests an adapter and device from
   * `navigator.gpu` (browsers) or the `webgpu` package (Dawn, Node) and destroys it on `destroy()`.
   */
  device?: GPUDevice;
}

/**
 * Starts the WebGPU backend. Throws RnnkitError('BACKEND_UNAVAILABLE') saying why when there is
 * no WebGPU here (no navigator.gpu, the `webgpu` package missing, no adapter).
 */
export async function createWebgpuBackend(options: WebgpuBackendOptions = {}): Promise<WebgpuBackend> {
  const acquired = await acquireDevice(options.device);
  return new WebgpuBackend(acquired, options);
}

/** Register with core's `registerBackend(webgpuBackend)`; preferred over cpu (priority 200). */
export const webgpuBackend: BackendDefinition<WebgpuBackendOptions> = {
  name: 'webgpu',
  priority: 200,
  create: (options?: WebgpuBackendOptions) => createWebgpuBackend(options),
};
