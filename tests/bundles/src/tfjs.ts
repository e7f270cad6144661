// core + backend-tfjs. The page passes where it serves tfjs-backend-wasm's .wasm files, or
// nothing (then tfjs-wasm can't start and the backend must say so).
import { createTfjsBackend } from '@rnnkit/backend-tfjs';
import { type PageResult, predictOn } from './model.js';

(globalThis as { rnnkitRun?: (wasmPaths?: string) => Promise<PageResult> }).rnnkitRun = async (wasmPaths?: string) => {
  const be = await createTfjsBackend(wasmPaths === undefined ? {} : { wasmPaths });
  return { engine: String(be.info().engine), data: await predictOn(be) };
};
