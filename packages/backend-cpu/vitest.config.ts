import { spawnSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';

/**
 * Node 20's V8 has relaxed SIMD only behind a flag. Where that flag exists, test workers get it
 * so the suites also run the relaxed-SIMD (FMA) kernels; the default SIMD128 build and the
 * TypeScript kernels run either way (test/engines.ts lists what each worker can run).
 */
const RELAXED = '--experimental-wasm-relaxed-simd';
const relaxedFlag = spawnSync(process.execPath, [RELAXED, '-e', '0']).status === 0 ? [RELAXED] : [];

export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, execArgv: relaxedFlag } });
