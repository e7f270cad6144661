import type { Backend } from '../../backend/backend.js';
import { defineBackend } from '../../backend/define_backend.js';
import type { FusedKernels, KernelTable } from '../../backend/kernel_table.js';
import * as primitives from './kernels/index.js';
import { referenceMemory } from './memory.js';
import type { RefContext, RefTensor } from './tensor.js';

/**
 * The reference backend: plain Float32Array primitives, accumulated in double where they sum,
 * and no fused kernel of its own — recurrent layers, the MSE pass and the optimizer updates run
 * core's composite kernels. It is the worked example of docs/adding-a-backend.md and the test
 * kit runs it through every conformance case, which is what shows that the composite path is a
 * complete backend by itself. `fused` adds fused kernels (tests use it to check a fused kernel
 * against the composite path on the same primitives).
 */
export function createReferenceBackend(options: { fused?: Partial<FusedKernels<RefTensor, RefContext>> } = {}): Backend {
  return defineBackend({
    name: 'reference',
    context: {},
    memory: referenceMemory,
    kernels: { ...referenceKernels, ...options.fused },
    info: () => ({ engine: options.fused && Object.keys(options.fused).length ? 'reference-js+fused' : 'reference-js' }),
  });
}

/** The reference kernel table: the primitives and nothing else (every fused op runs core's composite version). */
export const referenceKernels: KernelTable<RefTensor, RefContext> = { ...primitives };

export { type RefContext, type RefTensor, refTensor } from './tensor.js';
export { referenceMemory };
