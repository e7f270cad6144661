import { afterAll, describe, it } from 'vitest';
import type { QuantizedMatrix, QuantizedTensor } from '../src/backend/index.js';
import { defineBackend, int8RowSums, quantizedMatmulHost } from '../src/backend/index.js';
import type { RefContext, RefTensor } from '../src/testing/index.js';
import { createReferenceBackend, referenceKernels, referenceMemory, refTensor, runBackendSuite } from '../src/testing/index.js';

// The kit's int8 part: core's composite int8 ops on the reference backend, in host mode (exact
// integer scheme) and dequantized mode (no readSync); and a backend with its own int8 kernels
// (here the host scheme again, behind the native dispatch path) as backend-cpu will have.
runBackendSuite({ describe, it, afterAll }, { label: 'reference (host int8)', create: async () => createReferenceBackend(), parts: ['quantized'] });

runBackendSuite(
  { describe, it, afterAll },
  {
    label: 'reference (dequantized int8)',
    create: async () =>
      defineBackend({
        name: 'reference',
        context: {},
        memory: { ...referenceMemory, readSync: undefined },
        kernels: referenceKernels,
        info: () => ({ engine: 'reference-js' }),
      }),
    parts: ['quantized'],
  },
);

interface NativeQ extends QuantizedTensor {
  host: QuantizedMatrix;
  sums: Int32Array;
}
runBackendSuite(
  { describe, it, afterAll },
  {
    label: 'reference (native int8 table)',
    create: async () =>
      defineBackend<RefTensor, RefContext, object, NativeQ>({
        name: 'reference',
        context: {},
        memory: referenceMemory,
        kernels: {
          ...referenceKernels,
          uploadQuantized: (_, q): NativeQ => ({
            shape: q.shape,
            backend: 'reference',
            dtype: 'int8',
            host: { data: q.data.slice(), scales: q.scales.slice(), shape: q.shape },
            sums: int8RowSums(q),
          }),
          disposeQuantized: () => {},
          quantizedMatmul: (_, a) =>
            refTensor(quantizedMatmulHost(a.x.data, a.x.shape[0], a.weight.host, a.weight.sums, a.bias?.data), [a.x.shape[0], a.weight.shape[0]]),
        },
        info: () => ({ engine: 'reference-js+int8' }),
      }),
    parts: ['quantized'],
  },
);
