import type { CpuEngine } from '../src/index.js';
import { CpuBackend, createCpuBackend, wasmSupport } from '../src/index.js';

/**
 * Every engine this runtime can run: the TypeScript kernels, the plain SIMD128 build and, where
 * the runtime has relaxed SIMD (Node 20 only with --experimental-wasm-relaxed-simd), the FMA
 * build. Suites loop over these so each engine passes the same cases.
 */
export interface EngineCase {
  engine: CpuEngine;
  create(): Promise<CpuBackend>;
}

export const ENGINES: EngineCase[] = [
  { engine: 'cpu-js', create: async () => new CpuBackend() },
  ...(wasmSupport().simd ? [{ engine: 'cpu-wasm-simd' as const, create: () => createCpuBackend({ simd: true, fma: false }) }] : []),
  ...(wasmSupport().relaxedSimd ? [{ engine: 'cpu-wasm-relaxed-simd' as const, create: () => createCpuBackend({ simd: true }) }] : []),
];
