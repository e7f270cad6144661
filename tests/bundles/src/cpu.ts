// core + backend-cpu. `fma: false` picks the same engine Node 20 runs without flags (plain SIMD),
// so the browser's numbers can be compared with Node's bit for bit.
import { createCpuBackend } from '@rnnkit/backend-cpu';
import { type PageResult, predictOn } from './model.js';

(globalThis as { rnnkitRun?: () => Promise<PageResult> }).rnnkitRun = async () => {
  const be = await createCpuBackend({ fma: false });
  return { engine: String(be.info().engine), data: await predictOn(be) };
};
