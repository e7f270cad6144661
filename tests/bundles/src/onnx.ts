// core + backend-cpu + onnx-export: the exported bytes.
import { createCpuBackend } from '@rnnkit/backend-cpu';
import { exportOnnx } from '@rnnkit/onnx-export';
import { makeModel, type PageResult, predictOn } from './model.js';

(globalThis as { rnnkitRun?: () => Promise<PageResult> }).rnnkitRun = async () => {
  const be = await createCpuBackend({ fma: false });
  const bytes = await exportOnnx(makeModel().to(be));
  return { engine: String(be.info().engine), data: await predictOn(be), bytes: Array.from(bytes) };
};
