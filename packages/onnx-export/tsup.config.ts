import { defineConfig } from 'tsup';
import { preset } from '../../scripts/tsup-preset.js';

export default defineConfig([
  preset({ index: 'src/index.ts' }),
  // The `rnnkit-onnx` command: ESM only (a bin is run, never required; it uses top-level await).
  preset({ cli: 'src/cli.ts' }, { format: ['esm'], dts: false, clean: false }),
]);
