import { afterAll, describe, it } from 'vitest';
import { createReferenceBackend, runBackendSuite } from '../src/testing/index.js';

// The reference backend (primitives only: every fused op is core's composite kernel) through the
// whole kit: this is what shows that memory + primitives make a complete backend.
runBackendSuite({ describe, it, afterAll }, { label: 'reference', create: async () => createReferenceBackend(), timeout: 60_000 });
