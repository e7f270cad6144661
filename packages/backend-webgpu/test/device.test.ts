import { RnnkitError, createBackend, registerBackend, unregisterBackend } from '@rnnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { WebgpuBackend, createWebgpuBackend, webgpuBackend } from '../src/index.js';
import { expectError, requireAdapterInCi, startBackend } from './helpers.js';

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
  it('reports the adapter in info().engine', () => {
    const info = be.info();
    expect(info.name).toBe('webgpu');
    expect(info.engine).toMatch(/^webgpu \(/);
    expect(info.engine).toContain(be.adapter.description || be.adapter.device || be.adapter.vendor);
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
    expectError(() => guest.zeros([1]), 'DISPOSED', 'destroyed');
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
    expectError(() => b.tanh(t), 'DISPOSED', 'destroyed');
    await expect(b.read(t)).rejects.toMatchObject({ code: 'DISPOSED' });
    b.dispose(t); // no-op after destroy
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
    expectError(() => b.tanh(t), 'BACKEND_UNAVAILABLE', 'device was lost', 'destroyed');
    await expect(b.read(t)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    b.destroy();
  });

  it('a tensor too big for one storage binding is refused up front', () => {
    const max = be.device.limits.maxStorageBufferBindingSize;
    expectError(() => be.zeros([Math.ceil(max / 4) + 1]), 'UNSUPPORTED', 'largest storage binding');
  });
});
