import { createBackend, registerBackend, unregisterBackend } from '@rnnkit/core';
import { BACKEND_SPEC_VERSION } from '@rnnkit/core/backend';
import { expectRnnkitError } from '@rnnkit/core/testing';
import { describe, expect, it } from 'vitest';
import { CpuBackend, cpuBackend, createCpuBackend, wasmSupport } from '../src/index.js';
import { ENGINES } from './engines.js';

// What only the cpu backend has; memory, counting, ownership and bad calls are the kit's (kit.test.ts).

describe('CpuBackend', () => {
  it('identifies itself: engine, SIMD, FMA, threads, its fused ops and batch-first recurrent kernels', () => {
    const be = new CpuBackend();
    expect(be.name).toBe('cpu');
    expect(be.specificationVersion).toBe(BACKEND_SPEC_VERSION);
    expect(be.recurrentBatchFirst).toBe(true);
    expect(be.info()).toEqual({
      name: 'cpu',
      engine: 'cpu-js',
      simd: false,
      fma: false,
      threads: 1,
      fusedOps: {
        recurrentForward: 'native',
        recurrentBackward: 'native',
        squaredErrorGrad: 'native',
        sgdUpdate: 'composite',
        adamUpdate: 'composite',
        // The TypeScript engine runs core's composite int8 ops on the host; the wasm engines their own (test/quantized.test.ts).
        quantizedMatmul: 'composite',
        quantizedRecurrentForward: 'composite',
      },
      quantized: 'host',
    });
  });

  for (const { engine, create } of ENGINES) {
    it(`${engine}: create() runs the engine it was asked for`, async () => {
      const be = await create();
      expect(be.info().engine).toBe(engine);
      be.destroy();
    });
  }

  it('readSync gives a copy of the data without waiting, and refuses what read refuses', async () => {
    const be = new CpuBackend();
    const x = be.upload(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    const r = be.readSync(x);
    r[1] = 42;
    expect([...be.readSync(x)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...(await be.read(x))]).toEqual([1, 2, 3, 4, 5, 6]);
    be.dispose(x);
    await expectRnnkitError(() => be.readSync(x), 'DISPOSED', 'readSync: x', 'disposed');
    await expectRnnkitError(() => be.readSync(new CpuBackend().zeros([1])), 'BACKEND_MISMATCH', 'readSync: x', 'another cpu backend instance');
  });

  it('reshape and sliceRows share the buffer; the view outlives its source', () => {
    const be = new CpuBackend();
    const x = be.upload(
      Float32Array.from({ length: 12 }, (_, i) => i),
      [3, 4],
    );
    const y = be.reshape(x, [4, 3]);
    const z = be.sliceRows(x, 1, 2);
    expect(y.data).toBe(x.data);
    expect(z.data.buffer).toBe(x.data.buffer);
    expect([...be.readSync(z)]).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    be.dispose(x);
    expect([...be.readSync(y)]).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect([...be.readSync(z)]).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

describe('registration', () => {
  it('createCpuBackend starts a backend', async () => {
    const be = await createCpuBackend();
    expect(be).toBeInstanceOf(CpuBackend);
  });

  it('cpuBackend registers under "cpu" with priority 100', async () => {
    expect(cpuBackend.name).toBe('cpu');
    expect(cpuBackend.priority).toBe(100);
    registerBackend(cpuBackend);
    try {
      const be = await createBackend('cpu');
      // The SIMD kernels wherever the runtime has SIMD128 (Node 20 does).
      expect(be.info().engine).toBe(wasmSupport().simd ? (wasmSupport().relaxedSimd ? 'cpu-wasm-relaxed-simd' : 'cpu-wasm-simd') : 'cpu-js');
    } finally {
      unregisterBackend('cpu');
    }
  });
});
