import { defineConfig } from 'tsup';
import { preset } from '../../scripts/tsup-preset.js';

export default defineConfig(preset({ index: 'src/index.ts', 'backend/index': 'src/backend/index.ts', 'testing/index': 'src/testing/index.ts' }));
