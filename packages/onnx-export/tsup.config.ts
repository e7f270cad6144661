import { defineConfig } from 'tsup';
import { preset } from '../../scripts/tsup-preset.js';

export default defineConfig([
  // Both builds write into dist/ at once, so neither cleans it: the build script empties it first.
  preset({ index: 'src/index.ts', proto: 'src/proto_entry.ts', 'cli/run': 'src/cli/run.ts' }, { clean: false }),
  // The `rnnkit-onnx` command: ESM only (a bin is run, never required; it uses top-level await).
  // Its `runCli` is the `./cli` entry above, in both formats.
  preset({ cli: 'src/cli.ts' }, { format: ['esm'], clean: false }),
]);
