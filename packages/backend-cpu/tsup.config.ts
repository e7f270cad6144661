import { defineConfig } from 'tsup';
import { preset } from '../../scripts/tsup-preset.js';

// Two entries with one API: `node` (worker threads on the shared-memory builds) is what the
// `node` export condition resolves; `index` is every other runtime's, browser bundles included.
export default defineConfig(preset({ index: 'src/index.ts', node: 'src/node.ts' }));
