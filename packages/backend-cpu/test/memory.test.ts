import { createBackend, registerBackend, unregisterBackend } from '@rnnkit/core';
import { BACKEND_SPEC_VERSION } from '@rnnkit/core/backend';
import type { Tensor } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend, cpuBackend, createCpuBackend, wasmSupport } from '../src/index.js';
import { expectError } from './helpers.js';

describe('CpuBackend memory', () => {
  it('identifies itself', () => {
    const be = new CpuBackend();
    expect(be.name).toBe('cpu');
    expect(be.specificationVersion).toBe(BACKEND_SPEC_VERSION);
    expect(be.info()).toEqual({
      name: 'cpu',
      engine: 'cpu-js',
      simd: false,
      fma: false,
      threads: 1,
      fusedOps: { recurrentForward: 'native', recurrentBackward: 'native', squaredErrorGrad: 'native', sgdUpdate: 'composite', adamUpdate: 'composite' },
    });
    expect(be.recurrentBatchFirst).toBe(true);
  });

  it('uploads a copy and reads back a copy', async () => {
    const be = new CpuBackend();
    const src = Float32Array.of(1, 2, 3, 4, 5, 6);
    const x = be.upload(src, [2, 3]);
    src[0] = 99;
    expect(x.shape).toEqual([2, 3]);
    const r = await be.read(x);
    expect([...r]).toEqual([1, 2, 3, 4, 5, 6]);
    r[1] = 42;
    expect([...be.readSync(x)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('makes zeros and fills', () => {
    const be = new CpuBackend();
    expect([...be.readSync(be.zeros([2, 2]))]).toEqual([0, 0, 0, 0]);
    expect([...be.readSync(be.fill([3], 1.5))]).toEqual([1.5, 1.5, 1.5]);
    expect(be.zeros([0, 4]).shape).toEqual([0, 4]);
  });

  it('reshape shares the buffer and is counted as its own handle', () => {
    const be = new CpuBackend();
    const x = be.upload(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    const y = be.reshape(x, [3, 2]);
    expect(y.data).toBe(x.data);
    expect(y.shape).toEqual([3, 2]);
    expect(be.liveTensors()).toBe(2);
    be.dispose(x);
    expect([...be.readSync(y)]).toEqual([1, 2, 3, 4, 5, 6]); // the view outlives the original handle
    be.dispose(y);
    expect(be.liveTensors()).toBe(0);
    expectError(() => be.reshape(be.zeros([2, 3]), [4, 2]), 'SHAPE_MISMATCH', 'reshape', 'shape', '6 elements', '[4, 2]');
  });

  it('counts live handles and throws DISPOSED on reuse or double dispose', () => {
    const be = new CpuBackend();
    const a = be.fill([2], 1);
    const b = be.add(a, a);
    expect(be.liveTensors()).toBe(2);
    be.dispose(a);
    expect(be.liveTensors()).toBe(1);
    expectError(() => be.dispose(a), 'DISPOSED', 'x', 'disposed');
    expectError(() => be.add(b, a), 'DISPOSED', 'b', '[2]');
    expectError(() => be.readSync(a), 'DISPOSED');
    expect(be.liveTensors()).toBe(1);
    be.dispose(b);
    expect(be.liveTensors()).toBe(0);
  });

  it('rejects bad uploads and shapes', () => {
    const be = new CpuBackend();
    expectError(() => be.upload(new Float32Array(5), [2, 3]), 'SHAPE_MISMATCH', 'data', '6 values', '[2, 3]', 'got 5');
    expectError(() => be.upload([1, 2] as unknown as Float32Array, [2]), 'INVALID_ARGUMENT', 'data', 'Float32Array');
    expectError(() => be.zeros([2, -1]), 'INVALID_ARGUMENT', 'shape');
    expectError(() => be.zeros([1.5]), 'INVALID_ARGUMENT', 'shape');
    expect(be.liveTensors()).toBe(0);
  });

  it('rejects tensors of other backends', () => {
    const be = new CpuBackend();
    const foreign: Tensor = { shape: [2], backend: 'webgpu' };
    expectError(() => be.tanh(foreign), 'BACKEND_MISMATCH', 'a', 'webgpu');
    expectError(() => be.dispose(foreign), 'BACKEND_MISMATCH');
  });

  it('destroy invalidates every handle', () => {
    const be = new CpuBackend();
    const a = be.fill([2], 1);
    be.destroy();
    expect(be.liveTensors()).toBe(0);
    expectError(() => be.tanh(a), 'DISPOSED', 'destroyed');
    expectError(() => be.zeros([1]), 'DISPOSED', 'destroyed');
  });

  it('handles of two backends stay apart: each instance takes only its own', () => {
    const a = new CpuBackend();
    const b = new CpuBackend();
    const x = a.fill([2], 1);
    expectError(() => b.tanh(x), 'BACKEND_MISMATCH', 'tanh', 'a', 'another cpu backend instance');
    expectError(() => b.dispose(x), 'BACKEND_MISMATCH');
    expect(a.liveTensors()).toBe(1);
    expect(b.liveTensors()).toBe(0);
    a.dispose(x);
    expect(a.liveTensors()).toBe(0);
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
