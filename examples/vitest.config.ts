import { defineConfig } from 'vitest/config';
// The examples train real models: one file at a time, so each gets the machine's cores.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 240_000, fileParallelism: false } });
