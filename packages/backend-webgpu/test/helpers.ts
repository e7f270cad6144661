import { isRnnkitError, type RnnkitError } from '@rnnkit/core';
import { expect, it } from 'vitest';
import { createWebgpuBackend, type WebgpuBackend } from '../src/index.js';

/**
 * Starts a backend for a test file, or explains why not. Without an adapter the file's tests
 * are skipped with "skipped: no WebGPU adapter: <reason>" — except in CI (env CI set), where a
 * missing adapter is a failure.
 */
export async function startBackend(): Promise<{ be?: WebgpuBackend; reason?: string }> {
  try {
    return { be: await createWebgpuBackend() };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    if (process.env.CI) return { reason };
    console.log(`skipped: no WebGPU adapter: ${reason}`);
    return { reason };
  }
}

/** In CI a missing adapter fails the file through this test. */
export function requireAdapterInCi(r: { be?: WebgpuBackend; reason?: string }): void {
  if (!r.be && process.env.CI) {
    it('has a WebGPU adapter (CI requires one)', () => {
      throw new Error(`no WebGPU adapter in CI: ${r.reason}`);
    });
  }
}

/** Runs fn inside validation and out-of-memory error scopes and expects neither to catch anything. */
export async function noGpuErrors<T>(be: WebgpuBackend, fn: () => Promise<T> | T): Promise<T> {
  be.device.pushErrorScope('validation');
  be.device.pushErrorScope('out-of-memory');
  let out: T;
  try {
    out = await fn();
  } finally {
    const oom = await be.device.popErrorScope();
    const validation = await be.device.popErrorScope();
    expect(oom?.message ?? null, 'out-of-memory error').toBeNull();
    expect(validation?.message ?? null, 'validation error').toBeNull();
  }
  return out;
}

/** The RnnkitError `fn` throws or rejects with; fails when it returns or throws anything else. */
export async function rejection(fn: () => unknown): Promise<RnnkitError> {
  try {
    await fn();
  } catch (e) {
    if (isRnnkitError(e)) return e;
    throw e;
  }
  throw new Error('expected an RnnkitError, nothing was thrown');
}
