import { createBackend, RnnkitError, registerBackend, unregisterBackend } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import * as pkg from '../src/index.js';

describe('engines', () => {
  it('importing the package loads and sets nothing in tfjs', () => {
    // tfjs-core keeps its engine on the global object once loaded; importing us must not load it.
    expect((globalThis as { _tfengine?: unknown })._tfengine).toBeUndefined();
    expect(pkg.tfjsBackend.name).toBe('tfjs');
    expect(pkg.tfjsBackend.priority).toBe(50);
  });

  it('forcing tfjs-node where its native binding is missing gives BACKEND_UNAVAILABLE saying why', async () => {
    let err: unknown;
    try {
      await pkg.createTfjsBackend({ engine: 'node' });
    } catch (e) {
      err = e;
    }
    // On a machine where libtensorflow installed, tfjs-node would start instead.
    if (err === undefined) return;
    expect(err).toBeInstanceOf(RnnkitError);
    expect((err as RnnkitError).code).toBe('BACKEND_UNAVAILABLE');
    expect((err as Error).message).toMatch(/tfjs-node: @tensorflow\/tfjs-node did not load \(.*native addon module.*can not be found/);
    // A second try answers from memory, with the same reason.
    await expect(pkg.createTfjsBackend({ engine: 'node' })).rejects.toThrow(/native addon module/);
  });

  it('without a forced engine it falls back from tfjs-node to tfjs-wasm here', async () => {
    const be = await pkg.createTfjsBackend();
    const info = be.info();
    expect(['tfjs-node', 'tfjs-wasm']).toContain(info.engine);
    if (info.engine === 'tfjs-wasm') {
      expect(info.tfBackend).toBe('wasm');
      // tfjs turns wasm threads off in Node; SIMD is on in Node 20.
      expect(info.wasm).toEqual({ simd: true, threads: false });
      // It says why tfjs-node was passed over.
      expect(info.skipped?.[0]).toMatch(/^tfjs-node: .*native addon module/);
    }
    be.destroy();
  });

  it('forced wasm and cpu engines start and report themselves', async () => {
    const w = await pkg.createTfjsBackend({ engine: 'wasm' });
    const c = await pkg.createTfjsBackend({ engine: 'cpu' });
    expect(w.info().engine).toBe('tfjs-wasm');
    expect(c.info().engine).toBe('tfjs-cpu');
    // dataSync reads: core's composite int8 ops run the exact integer scheme on the host
    expect(w.info().quantized).toBe('host');
    expect(c.info().quantized).toBe('host');
    // Two instances on different engines interleave: each call runs on its own engine.
    const a = w.upload(Float32Array.from([1, 2]), [2]);
    const b = c.upload(Float32Array.from([3, 4]), [2]);
    const sa = w.add(a, a);
    expect(w.tf.getBackend()).toBe('wasm');
    const sb = c.add(b, b);
    expect(c.tf.getBackend()).toBe('cpu');
    expect(Array.from(await w.read(sa))).toEqual([2, 4]);
    expect(Array.from(await c.read(sb))).toEqual([6, 8]);
    expect(w.liveTensors()).toBe(2);
    w.destroy();
    c.destroy();
    expect(w.liveTensors()).toBe(0);
    expect(() => w.zeros([1])).toThrow(/destroyed/);
  });

  it('rejects an unknown engine name', async () => {
    await expect(pkg.createTfjsBackend({ engine: 'webgl' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('options.engine: expected one of "node", "wasm", "cpu", got "webgl"'),
    });
  });

  it('registers with core and starts through createBackend with options', async () => {
    registerBackend(pkg.tfjsBackend);
    try {
      const be = await createBackend('tfjs', { options: { engine: 'cpu' } });
      expect(be.info()).toMatchObject({ name: 'tfjs', engine: 'tfjs-cpu' });
      be.destroy();
      await expect(createBackend('tfjs', { options: { engine: 'webgl' } })).rejects.toMatchObject({
        code: 'BACKEND_UNAVAILABLE',
        message: expect.stringContaining('options.engine'),
      });
    } finally {
      unregisterBackend('tfjs');
    }
  });
});
