import { defineConfig } from 'tsup';
import { preset } from '../../scripts/tsup-preset.js';

// The declarations use the WebGPU types (GPUDevice, …): they reference @webgpu/types themselves,
// so a consumer type-checks without adding it to `types` (the bundled .d.ts would drop the
// directive written in src/index.ts).
export default defineConfig(
  preset(
    { index: 'src/index.ts' },
    { dts: { compilerOptions: { composite: false, declarationMap: false }, banner: '/// <reference types="@webgpu/types" />' } },
  ),
);
