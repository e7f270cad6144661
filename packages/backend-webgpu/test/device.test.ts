import { createBackend, RnnkitError, registerBackend, unregisterBackend } from '@rnnkit/core';
import { expectRnnkitError } from '@rnnkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebgpuBackend, WebgpuBackend, webgpuBackend } from '../src/index.js';
import { requireAdapterInCi, startBackend } from './helpers.js';

const started = await startBackend();
requireAdapterInCi(started);
const be = started.be!;
afterAll(() => be?.destroy());

describe('webgpu backend without an adapter', () => {
  it('createWebgpuBackend throws BACKEND_UNAVAILABLE with the reason', async () => {
    const g = globalThis as { navigator?: unknown };
    const had = Object.getOwnPropertyDescriptor(g, 'navigator');
    Object.defineProperty(g, 'navigator', { value: { gpu: { requestAdapter: async () => null } }, configurable: true, writable: true });
    try {
      const err = await createWebgpuBackend().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RnnkitError);
      expect((err as RnnkitError).code).toBe('BACKEND_UNAVAILABLE');
      expect((err as RnnkitError).message).toContain('no WebGPU adapter via navigator.gpu');
    } finally {
      if (had) Object.defineProperty(g, 'navigator', had);
      else delete g.navigator;
    }
  });
  it('is a BackendDefinition named webgpu with priority 200', () => {
    expect(webgpuBackend.name).toBe('webgpu');
    expect(webgpuBackend.priority).toBe(200);
  });
});

describe.skipIf(!be)('webgpu device', () => {
  it('reports the adapter in info().engine, and its fused kernels', () => {
    const info = be.info();
    expect(info.name).toBe('webgpu');
    expect(info.engine).toMatch(/^webgpu \(/);
    expect(info.engine).toContain(be.adapter.description || be.adapter.device || be.adapter.vendor);
    expect(info.fusedOps).toEqual({
      recurrentForward: 'native',
      recurrentBackward: 'native',
      squaredErrorGrad: 'composite',
      sgdUpdate: 'native',
      adamUpdate: 'native',
      quantizedMatmul: 'composite',
      quantizedRecurrentForward: 'composite',
    });
    // no int8 kernels and no synchronous reads: int8 weights are dequantized once to float32
    expect(info.quantized).toBe('dequantized');
    expect(be.recurrentBatchFirst).toBe(false);
    console.log(`webgpu adapter: ${info.engine}`);
  });

  it('starts through core createBackend once registered', async () => {
    registerBackend(webgpuBackend);
    try {
      const b = await createBackend('webgpu');
      expect(b).toBeInstanceOf(WebgpuBackend);
      expect(Array.from(await b.read(b.fill([2], 3)))).toEqual([3, 3]);
      b.destroy();
    } finally {
      unregisterBackend('webgpu');
    }
  });

  it('runs on a device the caller passes and leaves it alive on destroy', async () => {
    const guest = await createWebgpuBackend({ device: be.device });
    expect(guest.info().engine).toContain('via caller');
    const t = guest.upload(Float32Array.of(1, -1), [2]);
    expect(Array.from(await guest.read(guest.relu(t)))).toEqual([1, 0]);
    guest.destroy();
    await expectRnnkitError(() => guest.zeros([1]), 'DISPOSED', 'destroyed');
    // The host backend (same device) still works.
    expect(Array.from(await be.read(be.fill([1], 2)))).toEqual([2]);
  });

  it('destroy releases every buffer and later calls throw DISPOSED', async () => {
    const b = await createWebgpuBackend();
    const t = b.upload(Float32Array.of(1, 2), [2]);
    b.dispose(b.tanh(t));
    expect(b.gpuBuffers().allocated).toBeGreaterThan(0);
    b.destroy();
    expect(b.gpuBuffers().allocated).toBe(0);
    expect(b.liveTensors()).toBe(0);
    await expectRnnkitError(() => b.tanh(t), 'DISPOSED', 'destroyed');
    await expect(b.read(t)).rejects.toMatchObject({ code: 'DISPOSED' });
    await expectRnnkitError(() => b.dispose(t), 'DISPOSED', 'destroyed');
    b.destroy(); // idempotent
  });

  it('a GPU validation error turns the next read into an RnnkitError, never a silent wrong result', async () => {
    const b = await createWebgpuBackend();
    try {
      const t = b.upload(Float32Array.of(1, 2, 3), [3]);
      t.buf.buffer.destroy(); // simulate a bug: the kernel's input is gone
      const y = b.tanh(t);
      const err = await b.read(y).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RnnkitError);
      expect((err as RnnkitError).code).toBe('BACKEND_FAILURE');
      expect((err as RnnkitError).message).toMatch(/webgpu: the device reported an error.*destroyed/is);
      await expect(b.sync()).rejects.toMatchObject({ code: 'BACKEND_FAILURE' });
    } finally {
      b.destroy();
    }
  });

  it('device loss makes every call throw BACKEND_UNAVAILABLE', async () => {
    const b = await createWebgpuBackend();
    const t = b.upload(Float32Array.of(1, 2, 3), [3]);
    b.device.destroy();
    await b.device.lost;
    await expectRnnkitError(() => b.tanh(t), 'BACKEND_UNAVAILABLE', 'device was lost', 'destroyed');
    await expect(b.read(t)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    b.destroy();
  });

  // WebGPU's own limits, which core can't know: a tensor is one storage buffer bound whole, so
  // the binding size is the backend's maxTensorBytes (core refuses larger results with
  // LIMIT_EXCEEDED); the kernels' own buffers and workgroup counts are refused here as
  // UNSUPPORTED. Either way naming the op and the argument, before anything is allocated.
  describe('device limits', () => {
    const maxBinding = () => Math.min(be.device.limits.maxStorageBufferBindingSize, be.device.limits.maxBufferSize);
    const refusedCleanly = async (
      code: 'LIMIT_EXCEEDED' | 'UNSUPPORTED',
      make: () => unknown[],
      call: (ins: never[]) => unknown,
      argument: string,
      ...fragments: string[]
    ) => {
      const ins = make();
      const tensors = be.liveTensors();
      const buffers = be.liveGpuBuffers();
      const err = await expectRnnkitError(() => call(ins as never[]), code, ...fragments);
      expect(err.argument).toBe(argument);
      expect(be.liveTensors()).toBe(tensors);
      expect(be.liveGpuBuffers()).toBe(buffers);
      for (const t of ins) if (t && typeof t === 'object' && 'backend' in t) be.dispose(t as never);
      await be.sync();
    };
    const tooBig = `(the webgpu backend's maxTensorBytes)`;

    it("maxTensorBytes is the device's largest storage binding", () => {
      expect(be.maxTensorBytes).toBe(maxBinding());
    });

    it('a tensor too big for one storage binding is refused up front', async () => {
      const n = Math.ceil(maxBinding() / 4) + 1;
      await refusedCleanly(
        'LIMIT_EXCEEDED',
        () => [],
        () => be.zeros([n]),
        'shape',
        'zeros: shape:',
        tooBig,
      );
      await refusedCleanly(
        'LIMIT_EXCEEDED',
        () => [],
        () => be.fill([n, 1], 2),
        'shape',
        'fill: shape:',
        tooBig,
      );
    });

    it('matmul, gatherRows, scatterAddRows and concat results too big for one binding', async () => {
      const n = Math.ceil(Math.sqrt(maxBinding() / 4)) + 1;
      await refusedCleanly(
        'LIMIT_EXCEEDED',
        () => [be.zeros([n, 1]), be.zeros([1, n])],
        ([a, b]) => be.matmul(a, b),
        'b',
        'matmul: b:',
        tooBig,
      );
      const N = 4096;
      const rows = Math.ceil(maxBinding() / 4 / N) + 1;
      await refusedCleanly(
        'LIMIT_EXCEEDED',
        () => [be.zeros([1, N])],
        ([a]) => be.gatherRows(a, new Int32Array(rows)),
        'indices',
        'gatherRows: indices:',
        tooBig,
      );
      await refusedCleanly(
        'LIMIT_EXCEEDED',
        () => [be.zeros([1, N])],
        ([a]) => be.scatterAddRows(a, new Int32Array(1), rows),
        'numRows',
        'scatterAddRows: numRows:',
        tooBig,
      );
      await refusedCleanly(
        'LIMIT_EXCEEDED',
        () => [be.zeros([1, N])],
        ([a]) => be.concatRows(new Array(rows).fill(a)),
        'parts',
        'concatRows: parts:',
        tooBig,
      );
    });

    it("scatterAddRows into more rows than its row table's binding holds (no columns)", async () => {
      const rows = Math.ceil(maxBinding() / 4);
      await refusedCleanly(
        'UNSUPPORTED',
        () => [be.zeros([0, 0])],
        ([a]) => be.scatterAddRows(a, new Int32Array(0), rows),
        'numRows',
        'scatterAddRows: numRows:',
        'largest storage binding',
      );
    });

    it('sumRows over more columns than one dispatch has workgroups', async () => {
      const cols = be.maxWorkgroups * 16 + 1;
      await refusedCleanly(
        'UNSUPPORTED',
        () => [be.zeros([1, cols])],
        ([a]) => be.sumRows(a),
        'a',
        'sumRows: a:',
        `more than this device allows (${be.maxWorkgroups})`,
      );
    });

    it('a recurrent layer whose per-step buffers are too big for one binding', async () => {
      const H = 1024;
      const T = Math.ceil(maxBinding() / 4 / (4 * H)) + 1; // LSTM gates [T, 1, 4H]
      await refusedCleanly(
        'UNSUPPORTED',
        () => [be.zeros([T, 1, 1]), be.zeros([4 * H, 1]), be.zeros([4 * H, H]), be.zeros([1, H])],
        ([x, weightIh, weightHh, h0]) => be.recurrentForward({ cell: 'lstm', gruResetAfter: true, x, weightIh, weightHh, h0, training: false }),
        'x',
        'recurrentForward: x:',
        'largest storage binding',
      );
    });
  });
});
