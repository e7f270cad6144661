import { RnnkitError } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import type { TfjsBackend } from '../src/index.js';
import { createTfjsBackend } from '../src/index.js';

/** The RnnkitError `fn` throws (or its promise rejects with). */
async function caught(fn: () => unknown): Promise<RnnkitError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RnnkitError);
    return e as RnnkitError;
  }
  throw new Error('expected an RnnkitError, nothing was thrown');
}

async function works(be: TfjsBackend): Promise<void> {
  const x = be.upload(new Float32Array([1, 2, 3, 4]), [2, 2]);
  const y = be.add(x, x);
  expect(Array.from(await be.read(y))).toEqual([2, 4, 6, 8]);
  be.dispose(x);
  be.dispose(y);
}

/**
 * Issue #14 finding 3: one oversized call used to kill tfjs-wasm (`RuntimeError: Aborted()`),
 * and every later call aborted too. Now sizes the wasm heap can't hold are refused before
 * anything is uploaded, and an engine failure is BACKEND_FAILURE, said again on every later call.
 *
 * The tests share the process's one tfjs-wasm engine; the simulated trap, which fails that engine
 * for every backend on it, runs last (vitest gives each test file its own process).
 */
describe('tfjs-wasm: limits and engine failures', () => {
  it('declares maxTensorBytes = 1 GiB and refuses a larger tensor before uploading; the backend stays usable', async () => {
    const be = await createTfjsBackend({ engine: 'wasm' });
    expect(be.maxTensorBytes).toBe(2 ** 30);
    await works(be);
    const tensors = be.tf.memory().numTensors;
    const e = await caught(() => be.zeros([2 ** 28 + 1]));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.argument).toBe('shape');
    expect(e.message).toContain('zeros');
    expect(e.message).toContain('maxTensorBytes');
    const m = await caught(() => be.matmul(be.zeros([2 ** 15, 1]), be.zeros([1, 2 ** 14])));
    expect(m.code).toBe('LIMIT_EXCEEDED');
    expect(m.message).toContain('matmul');
    expect(be.info().failed).toBeUndefined();
    await works(be);
    be.destroy();
    expect(be.tf.memory().numTensors).toBeLessThanOrEqual(tensors);
  });

  it("refuses a recurrent kernel's working set (the per-step tensors kept for backward) that core's per-result check can't see, before any tfjs call", async () => {
    const be = await createTfjsBackend({ engine: 'wasm' });
    const [T, B, D, H] = [32_768, 1, 1, 1024];
    const args = {
      cell: 'lstm' as const,
      gruResetAfter: false,
      x: be.zeros([T, B, D]),
      weightIh: be.zeros([4 * H, D]),
      weightHh: be.zeros([4 * H, H]),
      h0: be.zeros([B, H]),
      training: true,
    };
    // y alone is T·B·H·4 = 128 MiB: under maxTensorBytes, so core lets it through.
    expect(T * B * H * 4).toBeLessThan(be.maxTensorBytes);
    const live = be.liveTensors();
    const tensors = be.tf.memory().numTensors;
    const e = await caught(() => be.recurrentForward(args));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.argument).toBe('x');
    expect(e.message).toMatch(/^recurrentForward: x: expected a working set of at most 2147483648 bytes/);
    expect(e.message).toContain('per-step tensors kept for backward');
    expect(be.liveTensors()).toBe(live);
    expect(be.tf.memory().numTensors).toBe(tensors);
    expect(be.info().failed).toBeUndefined();
    // The same call for inference keeps nothing per step and fits.
    const r = be.recurrentForward({ ...args, x: be.zeros([64, B, D]), training: false });
    expect(r.y.shape).toEqual([64, B, H]);
    await works(be);
    be.destroy();
  });

  it('maxTensorBytes can be set per backend and is validated', async () => {
    const small = await createTfjsBackend({ engine: 'wasm', maxTensorBytes: 64 });
    expect((await caught(() => small.zeros([17]))).code).toBe('LIMIT_EXCEEDED');
    small.zeros([16]);
    small.destroy();
    const bad = await caught(() => createTfjsBackend({ engine: 'wasm', maxTensorBytes: Number.NaN }));
    expect(bad.code).toBe('INVALID_ARGUMENT');
  });

  it('a real oversized allocation past the limit (raised to Infinity) is BACKEND_FAILURE with the engine error as cause, and every later call says why', async () => {
    // 4 GiB − 4 KiB: more than the wasm32 heap's 4,294,901,760-byte cap, so tfjs-wasm's malloc
    // fails at once (nothing is committed) and tfjs throws a RangeError.
    const be = await createTfjsBackend({ engine: 'wasm', maxTensorBytes: Infinity });
    const x = be.upload(new Float32Array([1, 2]), [2]);
    const e = await caught(() => be.zeros([2 ** 30 - 2 ** 10]));
    expect(e.code).toBe('BACKEND_FAILURE');
    expect(e.message).toContain('zeros');
    expect(e.cause).toBeInstanceOf(Error);
    expect(e.cause).not.toBeInstanceOf(RnnkitError);
    const why = be.info().failed;
    expect(why).toMatch(/^zeros threw /);
    for (const later of [() => be.zeros([2]), () => be.add(x, x), () => be.read(x), () => be.sync()]) {
      const l = await caught(later);
      expect(l.code).toBe('BACKEND_FAILURE');
      expect(l.message).toContain("failed earlier and can't run work");
      expect(l.message).toContain(why);
      expect(l.cause).toBe(e.cause);
    }
    be.dispose(x); // disposing still works
    be.destroy();
    // A RangeError from a refused malloc is not a wasm trap: the shared engine is fine, and
    // another backend on it works.
    const other = await createTfjsBackend({ engine: 'wasm' });
    await works(other);
    other.destroy();
  });

  it('an engine abort (RuntimeError: Aborted(), simulated in a tfjs kernel) is BACKEND_FAILURE, fails every backend on the shared wasm engine, and every later call says why', async () => {
    const be = await createTfjsBackend({ engine: 'wasm' });
    const bystander = await createTfjsBackend({ engine: 'wasm' });
    const x = be.upload(new Float32Array([1, 2, 3, 4]), [2, 2]);
    await works(bystander);
    // Make tfjs-wasm's own Add kernel trap the way an aborted wasm heap does.
    const config = be.tf.getKernel('Add', 'wasm') as { kernelFunc: unknown };
    const original = config.kernelFunc;
    config.kernelFunc = () => {
      throw new WebAssembly.RuntimeError('Aborted()');
    };
    let e: RnnkitError;
    try {
      e = await caught(() => be.add(x, x));
    } finally {
      config.kernelFunc = original;
    }
    expect(e.code).toBe('BACKEND_FAILURE');
    expect(e.message).toContain('add');
    expect(e.message).toContain('RuntimeError: Aborted()');
    expect(e.cause).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(be.info().failed).toBe('add threw RuntimeError: Aborted()');
    for (const later of [() => be.zeros([2]), () => be.upload(new Float32Array(1), [1]), () => be.mul(x, x), () => be.read(x)]) {
      const l = await caught(later);
      expect(l.code).toBe('BACKEND_FAILURE');
      expect(l.message).toContain('add threw RuntimeError: Aborted()');
      expect(l.message).toContain('restart the process');
    }
    // The wasm heap is one per process: a trap leaves it untrustworthy for every backend on it.
    const b = await caught(() => bystander.zeros([2]));
    expect(b.code).toBe('BACKEND_FAILURE');
    expect(b.message).toContain('the tfjs-wasm engine this backend shares failed in another backend: add threw RuntimeError: Aborted()');
    expect(bystander.info().failed).toContain('Aborted()');
    const fresh = await createTfjsBackend({ engine: 'wasm' });
    expect((await caught(() => fresh.zeros([2]))).code).toBe('BACKEND_FAILURE');
    be.dispose(x);
    for (const b2 of [be, bystander, fresh]) b2.destroy();
  });
});

describe('tfjs-cpu: an engine error', () => {
  it('is BACKEND_FAILURE; that backend says why on every later call, other cpu backends are unaffected', async () => {
    const be = await createTfjsBackend({ engine: 'cpu' });
    const other = await createTfjsBackend({ engine: 'cpu' });
    const x = be.upload(new Float32Array([1, 2, 3, 4]), [2, 2]);
    const config = be.tf.getKernel('Multiply', 'cpu') as { kernelFunc: unknown };
    const original = config.kernelFunc;
    config.kernelFunc = () => {
      throw new RangeError('Array buffer allocation failed');
    };
    let e: RnnkitError;
    try {
      e = await caught(() => be.mul(x, x));
    } finally {
      config.kernelFunc = original;
    }
    expect(e.code).toBe('BACKEND_FAILURE');
    expect(e.cause).toBeInstanceOf(RangeError);
    const l = await caught(() => be.add(x, x));
    expect(l.code).toBe('BACKEND_FAILURE');
    expect(l.message).toContain('mul threw RangeError: Array buffer allocation failed');
    expect(l.message).toContain('create a new backend');
    await works(other);
    be.destroy();
    other.destroy();
  });
});
