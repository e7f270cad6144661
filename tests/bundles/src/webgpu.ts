// core + backend-webgpu (navigator.gpu).
import { createWebgpuBackend } from '@rnnkit/backend-webgpu';
import { type PageResult, predictOn } from './model.js';

(globalThis as { rnnkitRun?: () => Promise<PageResult> }).rnnkitRun = async () => {
  let be: Awaited<ReturnType<typeof createWebgpuBackend>>;
  try {
    be = await createWebgpuBackend();
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : String(e) };
  }
  return { engine: String(be.info().engine), data: await predictOn(be) };
};
